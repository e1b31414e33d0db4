import type { Lang } from "./i18n.js";
import { formatDateTime } from "./time.js";

const locale = (lang: Lang) => (lang === "zh" ? "zh-CN" : "en-GB");

/** A number with grouping and at most `digits` decimals. */
export function formatNumber(value: number, lang: Lang, digits = 2): string {
  return value.toLocaleString(locale(lang), { maximumFractionDigits: digits });
}

const energyUnits = ["Wh", "kWh", "MWh", "GWh", "TWh"];

/** Energy in Wh (a decimal string from the API) in the largest unit that keeps it ≥ 1: `12.35 MWh`. */
export function formatEnergy(wh: string | number | bigint | undefined | null, lang: Lang): string {
  if (wh === undefined || wh === null || wh === "") return "—";
  let value = Number(wh);
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < energyUnits.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${formatNumber(value, lang, unit === 0 ? 0 : 2)} ${energyUnits[unit]}`;
}

/** Units of a commodity from the reading's unit up (docs/reading-format.md): litres for gas and water, kJ for heat. */
const commodityUnits: Record<string, string[]> = {
  electricity: energyUnits,
  gas: ["L", "m³"],
  heat: ["kJ", "MJ", "GJ", "TJ"],
  water: ["L", "m³"],
};
const commodityCodes: Record<number, string> = { 1: "electricity", 2: "gas", 3: "heat", 4: "water" };

/**
 * A quantity of a commodity (code 1–4 or name) in its unit, scaled by thousands: `2.33 MWh`,
 * `0 L`, `1.5 m³`, `12 MJ`; a bare number for an unknown commodity.
 */
export function formatQuantity(
  value: string | number | bigint | null | undefined,
  commodity: number | string,
  lang: Lang,
): string {
  if (value === undefined || value === null || value === "") return "—";
  const name = typeof commodity === "number" ? commodityCodes[commodity] : commodity;
  const units = name ? commodityUnits[name] : undefined;
  let scaled = Number(value);
  if (!units) return formatNumber(scaled, lang, 0);
  let unit = 0;
  while (Math.abs(scaled) >= 1000 && unit < units.length - 1) {
    scaled /= 1000;
    unit++;
  }
  return `${formatNumber(scaled, lang, unit === 0 ? 0 : 2)} ${units[unit]}`;
}

/**
 * A quantity exactly, in the reading's own unit with grouping: `1,000,250 Wh`, `0 L`, `12,000 kJ`
 * (registers and deltas being verified must not be rounded).
 */
export function formatExactQuantity(
  value: string | number | bigint,
  commodity: number | string,
  lang: Lang,
): string {
  const name = typeof commodity === "number" ? commodityCodes[commodity] : commodity;
  const unit = name ? commodityUnits[name]?.[0] : undefined;
  const text = typeof value === "bigint" ? value : BigInt(String(value));
  const grouped = text.toLocaleString(lang === "zh" ? "zh-CN" : "en-GB");
  return unit ? `${grouped} ${unit}` : grouped;
}

/** Power in W: `3.2 MW`. */
export function formatPower(w: string | undefined | null, lang: Lang): string {
  if (w === undefined || w === null) return "—";
  return formatEnergy(w, lang).replace(/h$/, "");
}

/** A share 0…1 as a percentage, or `—` when unknown. */
export function formatShare(share: number | null | undefined, lang: Lang): string {
  return share === null || share === undefined ? "—" : `${formatNumber(share * 100, lang, 1)} %`;
}

/** Tonnes of standard coal equivalent: `1.234 tce`. */
export function formatTce(tce: string | undefined | null, lang: Lang): string {
  return tce === undefined || tce === null ? "—" : `${formatNumber(Number(tce), lang, 3)} tce`;
}

/** CO2 mass from kg: `850 kg`, `12.5 t`. */
export function formatCo2(kg: string | undefined | null, lang: Lang): string {
  if (kg === undefined || kg === null) return "—";
  const value = Number(kg);
  return Math.abs(value) >= 1000
    ? `${formatNumber(value / 1000, lang, 2)} t`
    : `${formatNumber(value, lang, 1)} kg`;
}

/**
 * A Unix time (seconds) or ISO string as date and time in the node's zone, labelled:
 * `2026-12-02 14:00 (UTC+8)` (see time.ts).
 */
export function formatTime(at: number | string | null | undefined, lang: Lang): string {
  return formatDateTime(at, lang);
}

/** `0x1234…abcd`: the ends of a long hex string. */
export function shortHex(hex: string | null | undefined, keep = 6): string {
  if (!hex) return "—";
  return hex.length <= keep * 2 + 3
    ? hex
    : `${hex.slice(0, keep + (hex.startsWith("0x") ? 2 : 0))}…${hex.slice(-keep)}`;
}
