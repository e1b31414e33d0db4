import type { Alert } from "./api.js";
import { formatEnergy, formatNumber, formatShare, formatTime, shortHex } from "./format.js";
import type { Lang } from "./i18n.js";

/**
 * An alert's "what happened" sentence in the dashboard's language, rebuilt from its kind,
 * `periodStart` and evidence figures (the shapes written by src/analytics/detectors/*.ts,
 * src/metering/ingest.ts and src/metering/batchStore.ts). The node words its `message` in English
 * only; this is the same sentence in Chinese or English, with the dashboard's units and the
 * node's zone for times, labelled (time.ts).
 */

/** What {@link alertText} reads of an alert. */
export type AlertTextSource = Pick<Alert, "kind" | "message" | "periodStart" | "region"> & {
  /** An object as the node sends it; anything else shows the node's message. */
  evidence: unknown;
};

/** Most readings (and devices) an alert's evidence lists (`maxEvidenceReadings` on the node). */
const evidenceCap = 20;

/** An evidence field a sentence needs is absent or of another type: the server's message is shown. */
class MissingField extends Error {}

const isNumeric = (v: unknown) =>
  (typeof v === "number" && Number.isFinite(v)) || (typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v));

/** Typed access to the evidence object; every getter throws {@link MissingField} when it cannot answer. */
function fieldsOf(alert: AlertTextSource) {
  const e = alert.evidence;
  const record: Record<string, unknown> =
    typeof e === "object" && e !== null && !Array.isArray(e) ? (e as Record<string, unknown>) : {};
  const need = <T>(value: unknown, ok: (v: unknown) => boolean, key: string): T => {
    if (!ok(value)) throw new MissingField(key);
    return value as T;
  };
  const number = (key: string, from: Record<string, unknown> = record) =>
    Number(need<number | string>(from[key], isNumeric, key));
  return {
    number,
    /** A number, or null when the detector recorded null (JSON has no infinity). */
    numberOrNull: (key: string) => (record[key] === null ? null : number(key)),
    /** An integer kept as text (seqs are uint64). */
    integer: (key: string) =>
      String(need<number | string>(record[key], (v) => isNumeric(v) && /^-?\d+$/.test(String(v)), key)),
    /** An integer as text, or undefined when absent or null. */
    optionalInteger: (key: string) => {
      const v = record[key];
      return (typeof v === "number" || typeof v === "string") && /^\d+$/.test(String(v))
        ? String(v)
        : undefined;
    },
    text: (key: string) => need<string>(record[key], (v) => typeof v === "string" && v !== "", key),
    list: (key: string) => need<unknown[]>(record[key], Array.isArray, key),
    /** A number field of each object in a list. */
    numbers: (key: string, field: string) =>
      need<unknown[]>(record[key], Array.isArray, key).map((item) =>
        number(field, typeof item === "object" && item !== null ? (item as Record<string, unknown>) : {}),
      ),
    flag: (key: string) => record[key] === true,
    periodStart: () => need<number>(alert.periodStart, (v) => typeof v === "number", "periodStart"),
  };
}

type Fields = ReturnType<typeof fieldsOf>;

const commodityNames: Record<Lang, Record<number, string>> = {
  en: { 1: "electricity", 2: "gas", 3: "heat", 4: "water" },
  zh: { 1: "电量", 2: "燃气", 3: "热量", 4: "水量" },
};

const deviceKindNames: Record<Lang, Record<string, string>> = {
  en: {
    consumption: "consumption",
    generation: "generation",
    bidirectional: "bidirectional",
    "ev-charger": "EV charger",
    storage: "storage",
    feeder: "feeder",
  },
  zh: {
    consumption: "用电",
    generation: "发电",
    bidirectional: "双向（产消者）",
    "ev-charger": "充电桩",
    storage: "储能",
    feeder: "台区总表",
  },
};

/** Units of a commodity from its smallest (the reading's unit): Wh, litres (gas, water), kJ (heat). */
const commodityUnits: Record<number, string[]> = {
  2: ["L", "m³"],
  3: ["kJ", "MJ", "GJ", "TJ"],
  4: ["L", "m³"],
};

/** Formatters of figures in `lang`, in the units and local time the rest of the dashboard uses. */
function formatters(lang: Lang) {
  const zh = lang === "zh";
  return {
    time: (t: number) => formatTime(t, lang),
    number: (n: number, digits = 2) => formatNumber(n, lang, digits),
    share: (ratio: number) => formatShare(ratio, lang),
    /** An amount of a commodity in its unit: electricity as Wh/kWh/MWh like every energy figure. */
    amount: (value: number, commodity: number) => {
      const units = commodityUnits[commodity];
      if (!units) return formatEnergy(value, lang);
      let scaled = value;
      let unit = 0;
      while (Math.abs(scaled) >= 1000 && unit < units.length - 1) {
        scaled /= 1000;
        unit++;
      }
      return `${formatNumber(scaled, lang, unit === 0 ? 0 : 2)} ${units[unit]}`;
    },
    commodity: (code: number) => commodityNames[lang][code] ?? (zh ? `商品 ${code}` : `commodity ${code}`),
    deviceKind: (kind: string) => deviceKindNames[lang][kind] ?? kind,
    /** A span of seconds: `45 min`, `2 h 15 min` (`45 分钟`, `2 小时 15 分钟`). */
    span: (seconds: number) => {
      const h = Math.floor(seconds / 3600);
      const m = Math.round((seconds % 3600) / 60);
      const [hours, minutes] = zh ? ["小时", "分钟"] : ["h", "min"];
      if (h === 0) return `${m} ${minutes}`;
      return m === 0 ? `${h} ${hours}` : `${h} ${hours} ${m} ${minutes}`;
    },
    /** A count from a list the evidence caps at {@link evidenceCap}: `at least 20` when it may be cut. */
    listed: (count: number) =>
      count >= evidenceCap ? (zh ? `至少 ${evidenceCap}` : `at least ${evidenceCap}`) : String(count),
  };
}

type Format = ReturnType<typeof formatters>;

/** `1 interval`, `3 intervals`. */
const plural = (n: number | string, one: string, many = `${one}s`) => `${n} ${Number(n) === 1 ? one : many}`;

type Describe = (f: Fields, x: Format, lang: Lang, alert: AlertTextSource) => string;

const describers: Record<string, Describe> = {
  data_gap(f, x, lang) {
    const commodity = f.number("commodity");
    const n = f.number("missingIntervals");
    const span = x.span(f.number("durationSeconds"));
    const from = x.time(f.number("from"));
    const to = x.time(f.number("to"));
    const received = f.number("receivedInHour");
    const expected = f.number("expectedInHour");
    const threshold = f.number("threshold");
    const ongoing = f.flag("ongoing");
    return lang === "zh"
      ? `${from} 至 ${to}，连续 ${n} 个 ${span}时段没有${x.commodity(commodity)}读数` +
          `${ongoing ? "（检查的小时结束时仍缺失）" : ""}；该小时应有 ${expected} 个时段，` +
          `收到 ${received} 个（阈值：缺失 ${threshold} 个）。`
      : `No ${x.commodity(commodity)} readings for ${n} consecutive ${span} intervals, from ${from} ` +
          `to ${to}${ongoing ? " (still missing at the end of the hour checked)" : ""}; ${received} of ` +
          `${expected} expected intervals of that hour were received (threshold: ${threshold} missing).`;
  },

  region_data_gap(f, x, lang, alert) {
    const commodity = x.commodity(f.number("commodity"));
    const expected = x.number(f.number("expected"));
    const received = x.number(f.number("received"));
    const completeness = x.share(f.number("completeness"));
    const threshold = x.share(f.number("threshold"));
    const devices = f.number("devices");
    const missing = x.listed(f.list("devicesMissing").length);
    const time = x.time(f.periodStart());
    return lang === "zh"
      ? `${alert.region ?? "该地区"} 在 ${time} 起的一小时内应收${commodity}读数 ${expected} 条，实收 ` +
          `${received} 条（${completeness}）；${devices} 台设备中 ${missing} 台缺失时段（阈值 ${threshold}）。`
      : `${alert.region ?? "The region"} received ${received} of ${expected} expected ${commodity} readings ` +
          `(${completeness}) in the hour from ${time}; ${missing} of ${plural(devices, "device")} are ` +
          `missing intervals (threshold ${threshold}).`;
  },

  zero_run(f, x, lang) {
    const zero = x.amount(0, f.number("commodity"));
    const n = f.number("intervals");
    const from = f.number("from");
    const span = x.span(f.number("to") - from);
    const threshold = f.number("threshold");
    return lang === "zh"
      ? `电表自 ${x.time(from)} 起连续 ${n} 个时段（${span}）输入、输出均为 ${zero}；` +
          `正常接入的电表至少会记录其待机负荷（阈值 ${threshold} 个时段）。`
      : `The meter recorded ${zero} imported and ${zero} exported in ${n} consecutive intervals ` +
          `(${span}) from ${x.time(from)}; a connected meter records at least its standby load ` +
          `(threshold ${threshold} intervals).`;
  },

  spike(f, x, lang) {
    const commodity = f.number("commodity");
    const imported = f.number("imported");
    const median = f.number("historyMedian");
    const max = f.number("historyMax");
    const hours = f.number("historyHours");
    const z = f.numberOrNull("robustZ");
    const threshold = x.number(f.number("threshold"));
    const time = x.time(f.periodStart());
    const zh = lang === "zh";
    const times = imported > 0 && median > 0 ? x.number(imported / median, 1) : undefined;
    const zText = z === null ? (zh ? "∞，历史数据恒定" : "∞, the history is constant") : x.number(z, 1);
    return zh
      ? `该设备在 ${time} 起的一小时内输入 ${x.amount(imported, commodity)}` +
          `${times ? `（为中位小时的 ${times} 倍）` : ""}；此前 ${hours} 小时中最高的一小时为 ` +
          `${x.amount(max, commodity)}，中位数为 ${x.amount(median, commodity)}（稳健 z 分数 ${zText}，阈值 ${threshold}）。`
      : `The device imported ${x.amount(imported, commodity)} in the hour from ${time}` +
          `${times ? ` (${times}× the median hour)` : ""}; its highest hour in the ${hours} hours before ` +
          `was ${x.amount(max, commodity)}, the median ${x.amount(median, commodity)} (robust z-score ` +
          `${zText}, threshold ${threshold}).`;
  },

  export_without_generation(f, x, lang) {
    const exported = x.amount(f.number("exported"), f.number("commodity"));
    const kind = x.deviceKind(f.text("kind"));
    const intervals = x.listed(f.list("readings").length);
    const time = x.time(f.periodStart());
    return lang === "zh"
      ? `登记为无发电来源的${kind}电表在 ${time} 起的一小时内 ${intervals} 个时段向电网输出，共 ${exported}：` +
          "可能存在未登记的发电设备，或电表接反。"
      : `${/^[aeiou]/i.test(kind) ? "An" : "A"} ${kind} meter registered with no generation source ` +
          `exported ${exported} in ${plural(intervals, "interval")} of the hour from ${time}: ` +
          "unregistered generation or a meter connected backwards.";
  },

  community_imbalance(f, x, lang) {
    const e = (key: string) => x.amount(f.number(key), 1);
    const difference = f.number("difference");
    const magnitude = x.amount(Math.abs(difference), 1);
    const members = f.list("members").length;
    const ratio = x.share(f.number("ratio"));
    const tolerance = x.share(f.number("tolerance"));
    const time = x.time(f.periodStart());
    const [feederNet, feederImport, feederExport, membersNet] = [
      e("feederNet"),
      e("feederImport"),
      e("feederExport"),
      e("membersNet"),
    ];
    if (lang === "zh") {
      const verdict =
        difference > 0
          ? `送入社区的 ${magnitude} 未被成员电表计量：超出正常水平的损耗或未计量用电（窃电、电表被旁路）`
          : `成员电表比台区总表多记录了 ${magnitude}：成员电表多计，或台区总表故障`;
      return (
        `${time} 起的一小时内，台区总表净计量 ${feederNet}（输入 ${feederImport}，输出 ${feederExport}），` +
        `${members} 块成员电表净计量 ${membersNet}；${verdict}。差额占台区总表流量的 ${ratio}（容差 ${tolerance}）。`
      );
    }
    const verdict =
      difference > 0
        ? `${magnitude} delivered to the community was not metered by its members: losses beyond normal or unmetered consumption (theft, a bypassed meter)`
        : `the members recorded ${magnitude} more than the feeder delivered: a member meter over-reporting or a faulty feeder meter`;
    return (
      `In the hour from ${time} the feeder metered a net ${feederNet} (${feederImport} in, ${feederExport} out), ` +
      `its ${plural(members, "member meter")} a net ${membersNet}; ${verdict}. The difference is ${ratio} ` +
      `of the feeder's flow (tolerance ${tolerance}).`
    );
  },

  bad_signatures(f, x, lang) {
    const failures = f.number("failures");
    const window = f.number("windowMinutes");
    const threshold = f.number("threshold");
    const minutes = f.numbers("perMinute", "minute");
    if (minutes.length === 0) throw new MissingField("perMinute");
    const from = x.time(Math.min(...minutes));
    const to = x.time(Math.max(...minutes) + 60);
    return lang === "zh"
      ? `${from} 至 ${to} 期间，以该设备名义签名的 ${failures} 条读数因签名无法用其登记公钥验证而被拒绝` +
          `（阈值：${window} 分钟内 ${threshold} 条）：可能是伪造读数、篡改或密钥被更换。`
      : `${plural(failures, "reading")} signed in the name of this device were refused because their ` +
          `signature does not verify with its registered key, between ${from} and ${to} (threshold ` +
          `${threshold} within ${window} minutes): forged readings, tampering or a replaced key.`;
  },

  anchor_late(f, x, lang, alert) {
    const intervals = f.numbers("intervals", "commodity");
    const unbatched = f.number("unbatchedReadings");
    const pending = f.number("pendingBatches");
    const conflicts = f.number("conflictBatches");
    const grace = x.span(f.number("anchorGraceSeconds"));
    const after = x.span(f.number("afterSeconds"));
    const time = x.time(f.periodStart());
    const commodities = [...new Set(intervals)].map(x.commodity);
    if (lang === "zh") {
      const parts = [
        unbatched > 0 ? `${unbatched} 条读数尚未打包成批次` : "",
        pending > 0 ? `${pending} 个批次已生成但未上链` : "",
        conflicts > 0 ? `${conflicts} 个批次的键在链上对应另一个根` : "",
      ].filter(Boolean);
      return (
        `${alert.region ?? "该地区"} 在 ${time} 起的一小时内有 ${intervals.length} 个${commodities.join("、")}` +
        `时段未上链：${parts.join("，")}。时段结束 ${grace}后应上链，再过 ${after}仍未上链即视为延迟。`
      );
    }
    const parts = [
      unbatched > 0 ? `${plural(unbatched, "reading")} not yet put in a batch` : "",
      pending > 0 ? `${plural(pending, "batch", "batches")} built but not on chain` : "",
      conflicts > 0
        ? `${plural(conflicts, "batch", "batches")} whose key the chain holds with another root`
        : "",
    ].filter(Boolean);
    return (
      `${intervals.length} ${commodities.join(", ")} ${intervals.length === 1 ? "interval" : "intervals"} ` +
      `of ${alert.region ?? "the region"} in the hour from ${time} ${intervals.length === 1 ? "is" : "are"} ` +
      `not anchored on chain: ${parts.join(", ")}. Anchoring is due ${grace} after an interval ends and ` +
      `counts as late ${after} after that.`
    );
  },

  sequence_gap(f, x, lang) {
    const from = f.integer("from");
    const to = f.integer("to");
    const count = BigInt(to) - BigInt(from) + 1n;
    if (count < 1n) throw new MissingField("to");
    const n = x.number(Number(count), 0);
    const seqs = count === 1n ? from : lang === "zh" ? `${from} 至 ${to}` : `${from} to ${to}`;
    return lang === "zh"
      ? `设备跳过了 ${n} 条读数：序号 ${seqs}。`
      : `The device skipped ${plural(n, "reading")}: seq ${seqs}.`;
  },

  reading_conflict(f, x, lang, alert) {
    const seq = f.integer("seq");
    const time = alert.periodStart === null ? undefined : x.time(alert.periodStart);
    return lang === "zh"
      ? `序号 ${seq} 的第二条不同读数${time ? `（时段起于 ${time}）` : ""}被拒绝：` +
          "该设备此前已发送过同一序号的另一条读数，疑似篡改。"
      : `A second, different reading with seq ${seq}${time ? ` (interval from ${time})` : ""} was ` +
          "refused: the device had already sent another reading with this seq, possibly tampering.";
  },

  register_regression(f, x, lang, alert) {
    const seq = f.integer("seq");
    const previous = f.optionalInteger("previousSeq");
    const time = alert.periodStart === null ? undefined : x.time(alert.periodStart);
    return lang === "zh"
      ? `序号 ${seq} 的读数${time ? `（时段起于 ${time}）` : ""}电表寄存器值倒退，已被拒绝` +
          `${previous ? `（此前已存储的读数为序号 ${previous}）` : ""}：电表可能被更换、重置或篡改。`
      : `A reading whose register goes backwards (seq ${seq}${time ? `, interval from ${time}` : ""}) ` +
          `was refused${previous ? ` (the stored reading before it is seq ${previous})` : ""}: the meter ` +
          "was replaced, reset or tampered with.";
  },

  anchor_conflict(f, x, lang, alert) {
    const commodity = x.commodity(f.number("commodity"));
    const time = x.time(f.number("intervalStart"));
    const part = f.number("part");
    const root = shortHex(f.text("chainRoot"));
    const region = alert.region ?? shortHex(f.text("regionId"));
    return lang === "zh"
      ? `链上为 ${region} ${time} 起时段的${commodity}批次（分批 ${part}）记录了另一个默克尔根（${root}），` +
          "与本节点存储的批次不一致。"
      : `The chain holds another Merkle root (${root}) for the ${commodity} batch of ${region}, interval ` +
          `from ${time}, part ${part}, than the batch this node stored.`;
  },

  chain_text_sanitised(f, _x, lang) {
    const field = f.text("field");
    const event = f.text("event");
    const contract = f.text("contract");
    const block = f.integer("blockNumber");
    const stored = f.text("stored");
    return lang === "zh"
      ? `链上 ${contract} 合约第 ${block} 号区块的 ${event} 事件中，字段 ${field} 含有数据库无法保存的字符` +
          `（控制字符、NUL 或无效 UTF-8），已替换为 U+FFFD 后保存为“${stored}”。`
      : `The ${field} field of a ${event} event (${contract} contract, block ${block}) held characters the ` +
          `database cannot store (a control character, NUL or invalid UTF-8); it was stored as "${stored}" ` +
          "with U+FFFD in their place.";
  },
  batch_quarantined(f, x, lang) {
    const batch = f.text("batch");
    const count = f.number("leafCount");
    const reason = f.text("reason");
    const start = f.number("intervalStart");
    // A batch is quarantined precisely when its figures are absurd: a time no calendar holds stays a number.
    const time = Math.abs(start) < 1e11 ? x.time(start) : String(start);
    return lang === "zh"
      ? `批次 ${batch}（${count} 条读数，时段起于 ${time}）被链拒绝，已隔离；其他批次照常上链。` +
          `原因：${reason}。请用 gridledger batch release 或 drop 处理。`
      : `Batch ${batch} (${count} readings, interval from ${time}) was refused by the chain and set aside ` +
          `(quarantined); the other batches are still anchored. Reason: ${reason}. Decide with ` +
          "gridledger batch release or drop.";
  },
};

/**
 * The alert's "what happened" sentence in `lang`, or undefined when its kind is unknown here or its
 * evidence lacks a figure the sentence needs (alerts recorded before the field existed).
 */
export function describeAlert(alert: AlertTextSource, lang: Lang): string | undefined {
  const describe = Object.hasOwn(describers, alert.kind) ? describers[alert.kind] : undefined;
  if (!describe) return undefined;
  try {
    return describe(fieldsOf(alert), formatters(lang), lang, alert);
  } catch (error) {
    if (error instanceof MissingField) return undefined;
    throw error;
  }
}

/** {@link describeAlert}, falling back to the server's English `message`. */
export function alertText(alert: AlertTextSource, lang: Lang): string {
  return describeAlert(alert, lang) ?? alert.message;
}
