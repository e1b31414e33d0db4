import { formatExactQuantity, formatNumber, formatTime } from "../format.js";
import type { Lang, Translate } from "../i18n.js";
import type { StringKey } from "../strings.js";

const quantityFields = new Set(["importRegister", "exportRegister", "importDelta", "exportDelta"]);
const commodityNames: Record<string, string> = { 1: "electricity", 2: "gas", 3: "heat", 4: "water" };

/**
 * A reading's field as a person reads it, in the dashboard's language: its label (`Interval start`,
 * `计量时段起点`) and its value (`2026-12-02 14:00 (UTC+8)`, `250 Wh`, `15 min`, `measured`);
 * hex fields and unknown ones as they are.
 */
export function readingFieldView(
  field: string,
  value: unknown,
  reading: Record<string, unknown> | undefined,
  lang: Lang,
  t: Translate,
  has: (key: string) => key is StringKey,
): { label: string; value: string } {
  const labelKey = `readingField_${field}`;
  const label = has(labelKey) ? t(labelKey) : field;
  const text = value === undefined || value === null ? "—" : String(value);
  const commodity = commodityNames[String(reading?.commodity)] ?? String(reading?.commodity ?? "electricity");
  if (field === "intervalStart" && /^\d+$/.test(text))
    return { label, value: formatTime(Number(text), lang) };
  if (field === "duration" && /^\d+$/.test(text))
    return { label, value: t("minutes", { n: formatNumber(Number(text) / 60, lang, 1) }) };
  if (quantityFields.has(field) && /^\d+$/.test(text))
    return { label, value: formatExactQuantity(text, commodity, lang) };
  if (field === "commodity") {
    const key = `commodity_${commodityNames[text] ?? text}`;
    return { label, value: has(key) ? t(key) : text };
  }
  if (field === "quality") {
    const key = `quality_${text}`;
    return { label, value: has(key) ? t(key) : text };
  }
  return { label, value: text };
}
