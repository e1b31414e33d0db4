import { describe, expect, it } from "vitest";
import { alertKinds } from "../../src/analytics/detectors/detectorTypes.js";
import { type AlertTextSource, alertText, describeAlert } from "./alertText.js";
import { formatTime } from "./format.js";
import type { Lang } from "./i18n.js";

// Alerts as the node records them: messages and evidence produced by the detectors in
// src/analytics/detectors (default analytics config, UTC+8), ingest (src/metering/ingest.ts) and
// batchStore.markConflict, with long `readings` lists shortened.
const hour = 1_747_000_800; // 2025-05-12 06:00 UTC+8
const id = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;
const [a1, b2, c3, f1] = [id(0xa1), id(0xb2), id(0xc3), id(0xf1)];
const ref = (deviceId: string, seq: string) => ({ deviceId, seq });
const refusedMessage =
  "474c5231fe812c12f3ab4ce6ac5db69ac352f906cb1b11ef43fb33e252ef7ff5522638890000000000000003000000006821216400000384010000000000001315c9000000000000000000000000000000fb0000000000000000";
const refusedSignature =
  "6253dc1bb53abaac99502404679fa908f6b728b48f0d35859e06ba018b00039f51434176e407135c6949651a9e36a3e39527cbb9cd9eff7c71360098a7acb405";

type Case = {
  alert: AlertTextSource;
  /** Figures each sentence must show (times are added from `times`). */
  zh: string[];
  en: string[];
  times: number[];
  /** Evidence fields (or `periodStart`) without which the sentence falls back to the message. */
  needs: string[];
};

const alert = (kind: string, periodStart: number | null, message: string, evidence: unknown) => ({
  kind,
  region: "CN-GD",
  periodStart,
  message,
  evidence,
});

const communityEvidence = {
  readings: [ref(f1, "1"), ref(f1, "2"), ref(a1, "1"), ref(b2, "1")],
  community: "0x00000000000000000000000000000000000000c1",
  feeders: [f1],
  members: [a1, b2],
  feederImport: "32960",
  feederExport: "0",
  feederNet: "32960",
  feederGross: "32960",
  membersImport: "28000",
  membersExport: "0",
  membersNet: "28000",
  difference: "4960",
  ratio: 0.1505,
  tolerance: 0.08,
};

const cases: Record<string, Case> = {
  data_gap: {
    alert: alert(
      "data_gap",
      hour + 900,
      "No electricity readings for 3 consecutive 15 min intervals from 2025-05-12 06:15 (UTC+8) (still missing at the end of the hour); 1 of 4 expected intervals of the hour from 2025-05-12 06:00 (UTC+8) were received (threshold 2 missing).",
      {
        readings: [ref(a1, "11")],
        commodity: 1,
        from: hour + 900,
        to: hour + 3600,
        missingIntervals: 3,
        ongoing: true,
        durationSeconds: 900,
        expectedInHour: 4,
        receivedInHour: 1,
        threshold: 2,
      },
    ),
    zh: ["连续 3 个 15 分钟时段没有电量读数", "仍缺失", "应有 4 个时段，收到 1 个", "缺失 2 个"],
    en: ["No electricity readings for 3 consecutive 15 min intervals", "still missing", "1 of 4 expected"],
    times: [hour + 900, hour + 3600],
    needs: ["commodity", "from", "to", "missingIntervals", "durationSeconds", "receivedInHour"],
  },
  region_data_gap: {
    alert: alert(
      "region_data_gap",
      hour,
      "广东省 received 8 of 12 expected electricity readings (66.7 %) in the hour from 2025-05-12 06:00 (UTC+8); 2 of 3 devices are missing intervals (threshold 90.0 %).",
      {
        readings: [],
        commodity: 1,
        expected: 12,
        received: 8,
        completeness: 0.6667,
        threshold: 0.9,
        devices: 3,
        devicesMissing: [
          { deviceId: a1, expected: 4, received: 1 },
          { deviceId: c3, expected: 4, received: 3 },
        ],
      },
    ),
    zh: ["CN-GD", "应收电量读数 12 条，实收 8 条", "66.7 %", "3 台设备中 2 台缺失时段", "阈值 90 %"],
    en: ["CN-GD received 8 of 12 expected electricity readings", "66.7 %", "2 of 3 devices", "90 %"],
    times: [hour],
    needs: ["expected", "received", "completeness", "devicesMissing", "periodStart"],
  },
  zero_run: {
    alert: alert(
      "zero_run",
      hour - 10_800,
      "Meter recorded 0 Wh imported and 0 Wh exported in 16 consecutive intervals (4 h) from 2025-05-12 03:00 (UTC+8); a connected meter records at least its standby load (threshold 16 intervals).",
      {
        readings: [ref(b2, "100"), ref(b2, "101"), ref(b2, "115")],
        commodity: 1,
        intervals: 16,
        from: hour - 10_800,
        to: hour + 3600,
        threshold: 16,
      },
    ),
    zh: ["连续 16 个时段（4 小时）", "0 Wh", "阈值 16 个时段"],
    en: ["0 Wh imported and 0 Wh exported in 16 consecutive intervals (4 h)", "threshold 16 intervals"],
    times: [hour - 10_800],
    needs: ["intervals", "from", "to"],
  },
  spike: {
    alert: alert(
      "spike",
      hour,
      "Device imported 9.850 kWh in the hour from 2025-05-12 06:00 (UTC+8) (5.9× the median hour); its highest hour in the 48 hours before was 2.120 kWh, the median 1.660 kWh (robust z-score 23.0, threshold 3.5).",
      {
        readings: [ref(c3, "6"), ref(c3, "8"), ref(c3, "7"), ref(c3, "5")],
        commodity: 1,
        imported: "9850",
        historyHours: 48,
        historyMedian: "1660",
        historyMax: "2120",
        mad: 240,
        robustZ: 23.02,
        zAboveMax: 21.72,
        threshold: 3.5,
      },
    ),
    zh: [
      "输入 9.85 kWh",
      "中位小时的 5.9 倍",
      "此前 48 小时",
      "2.12 kWh",
      "1.66 kWh",
      "z 分数 23",
      "阈值 3.5",
    ],
    en: ["imported 9.85 kWh", "5.9× the median hour", "48 hours", "2.12 kWh", "1.66 kWh", "z-score 23"],
    times: [hour],
    needs: ["imported", "historyMedian", "historyMax", "robustZ", "periodStart"],
  },
  export_without_generation: {
    alert: alert(
      "export_without_generation",
      hour,
      "A consumption meter registered with no generation source exported 770 Wh in 2 interval(s) of the hour from 2025-05-12 06:00 (UTC+8): unregistered generation or a meter connected backwards.",
      {
        readings: [ref(a1, "21"), ref(a1, "20")],
        commodity: 1,
        exported: "770",
        kind: "consumption",
        source: "none",
        threshold: 1,
      },
    ),
    zh: ["用电电表", "2 个时段向电网输出，共 770 Wh", "接反"],
    en: ["A consumption meter", "exported 770 Wh in 2 intervals", "backwards"],
    times: [hour],
    needs: ["exported", "kind", "readings", "periodStart"],
  },
  community_imbalance: {
    alert: alert(
      "community_imbalance",
      hour,
      "In the hour from 2025-05-12 06:00 (UTC+8) the feeder metered a net 32.960 kWh (32.960 kWh in, 0 Wh out), its 2 member meters a net 28.000 kWh; 4.960 kWh delivered to the community was not metered by its members: losses beyond normal or unmetered consumption (theft, a bypassed meter). The difference is 15.0 % of the feeder's flow (tolerance 8.0 %).",
      communityEvidence,
    ),
    zh: [
      "台区总表净计量 32.96 kWh（输入 32.96 kWh，输出 0 Wh）",
      "2 块成员电表净计量 28 kWh",
      "4.96 kWh",
      "窃电",
      "15 %",
      "容差 8 %",
    ],
    en: [
      "net 32.96 kWh (32.96 kWh in, 0 Wh out)",
      "2 member meters a net 28 kWh",
      "4.96 kWh delivered",
      "theft",
      "15 %",
      "tolerance 8 %",
    ],
    times: [hour],
    needs: [
      "feederImport",
      "feederExport",
      "feederNet",
      "membersNet",
      "difference",
      "ratio",
      "tolerance",
      "members",
    ],
  },
  bad_signatures: {
    alert: alert(
      "bad_signatures",
      hour + 600,
      "6 readings signed in the name of this device were refused because their signature does not verify with its registered key, between 2025-05-12 06:10 (UTC+8) and 2025-05-12 06:14 (UTC+8) (threshold 5 within 10 minutes): forged readings, tampering or a replaced key.",
      {
        readings: [],
        failures: 6,
        windowMinutes: 10,
        threshold: 5,
        perMinute: [
          { minute: hour + 600, failures: 2 },
          { minute: hour + 660, failures: 1 },
          { minute: hour + 780, failures: 3 },
        ],
      },
    ),
    zh: ["6 条读数", "10 分钟内 5 条", "伪造"],
    en: ["6 readings", "threshold 5 within 10 minutes", "forged"],
    times: [hour + 600, hour + 840],
    needs: ["failures", "windowMinutes", "threshold", "perMinute"],
  },
  anchor_late: {
    alert: alert(
      "anchor_late",
      hour,
      "2 electricity interval(s) of 广东省 in the hour from 2025-05-12 06:00 (UTC+8) are not anchored on chain: 12 readings not yet put in a batch, 1 batches built but not on chain. Anchoring is due 5 min after an interval ends and counts as late 15 min after that.",
      {
        readings: [ref(a1, "11"), ref(b2, "2")],
        intervals: [
          { commodity: 1, intervalStart: hour, unbatchedReadings: 12, batches: [] },
          {
            commodity: 1,
            intervalStart: hour + 900,
            unbatchedReadings: 0,
            batches: [{ part: 0, status: "pending" }],
          },
        ],
        unbatchedReadings: 12,
        pendingBatches: 1,
        conflictBatches: 0,
        anchorGraceSeconds: 300,
        afterSeconds: 900,
        checkedAt: hour + 7200,
      },
    ),
    zh: ["CN-GD", "2 个电量时段未上链", "12 条读数尚未打包", "1 个批次已生成但未上链", "5 分钟", "15 分钟"],
    en: [
      "2 electricity intervals of CN-GD",
      "12 readings not yet put in a batch",
      "1 batch built",
      "5 min",
      "15 min",
    ],
    times: [hour],
    needs: ["intervals", "unbatchedReadings", "pendingBatches", "anchorGraceSeconds", "afterSeconds"],
  },
  sequence_gap: {
    alert: alert("sequence_gap", null, "device skipped 3 reading(s): seq 5 to 7", { from: "5", to: "7" }),
    zh: ["跳过了 3 条读数", "序号 5 至 7"],
    en: ["skipped 3 readings", "seq 5 to 7"],
    times: [],
    needs: ["from", "to"],
  },
  reading_conflict: {
    alert: alert("reading_conflict", hour + 900, "a second, different reading with seq 3 was refused", {
      seq: "3",
      refusedMessage,
      refusedSignature,
    }),
    zh: ["序号 3", "被拒绝", "篡改"],
    en: ["seq 3", "refused", "tampering"],
    times: [hour + 900],
    needs: ["seq"],
  },
  register_regression: {
    alert: alert(
      "register_regression",
      hour + 900,
      "a reading whose register goes backwards (seq 3) was refused: meter replaced, reset or tampered with",
      { seq: "3", previousSeq: "2", readings: [ref(a1, "2")], refusedMessage, refusedSignature },
    ),
    zh: ["序号 3", "倒退", "序号 2", "更换、重置或篡改"],
    en: ["register goes backwards (seq 3", "seq 2", "replaced, reset or tampered with"],
    times: [hour + 900],
    needs: ["seq"],
  },
  anchor_conflict: {
    alert: alert(
      "anchor_conflict",
      null,
      "the chain holds another root for CN-GD commodity 1 interval 1747000800 part 0",
      {
        regionId: id(0x4744),
        commodity: 1,
        intervalStart: String(hour),
        part: 0,
        chainRoot: `0x${"ab".repeat(31)}cd`,
      },
    ),
    zh: ["CN-GD", "电量批次（分批 0）", "默克尔根", "0xababab…ababcd"],
    en: ["Merkle root (0xababab…ababcd)", "electricity batch of CN-GD", "part 0"],
    times: [hour],
    needs: ["commodity", "intervalStart", "chainRoot"],
  },
  chain_text_sanitised: {
    alert: alert(
      "chain_text_sanitised",
      null,
      'The nameZh of RegionApproved (Registry, block 42) held text the node cannot store as it is (a control character, NUL or invalid UTF-8); it is stored as "a\ufffdb" with U+FFFD in place of each.',
      {
        contract: "Registry",
        event: "RegionApproved",
        field: "nameZh",
        blockNumber: "42",
        txHash: id(0x42),
        logIndex: 0,
        stored: "a\ufffdb",
      },
    ),
    zh: ["Registry 合约第 42 号区块", "RegionApproved", "字段 nameZh", "a\ufffdb"],
    en: ["nameZh field of a RegionApproved event", "Registry contract, block 42", '"a\ufffdb"'],
    times: [],
    needs: ["field", "event", "contract", "blockNumber", "stored"],
  },
  batch_quarantined: {
    alert: alert(
      "batch_quarantined",
      hour,
      "batch CN-GD/5/1747000800/0 was set aside (quarantined): the chain refused it (METER_ANCHOR_INVALID_COMMODITY: the contract refused: MeterAnchorInvalidCommodity(commodity=5)); the other batches are still anchored",
      {
        batch: "CN-GD/5/1747000800/0",
        regionId: id(0x4744),
        commodity: 5,
        intervalStart: String(hour),
        part: 0,
        leafCount: 3,
        reason:
          "METER_ANCHOR_INVALID_COMMODITY: the contract refused: MeterAnchorInvalidCommodity(commodity=5)",
      },
    ),
    zh: ["批次 CN-GD/5/1747000800/0", "3 条读数", "隔离", "MeterAnchorInvalidCommodity"],
    en: ["Batch CN-GD/5/1747000800/0", "3 readings", "quarantined", "MeterAnchorInvalidCommodity"],
    times: [hour],
    needs: ["batch", "leafCount", "reason", "intervalStart"],
  },
};

const without = (source: AlertTextSource, field: string): AlertTextSource =>
  field === "periodStart"
    ? { ...source, periodStart: null }
    : {
        ...source,
        evidence: Object.fromEntries(
          Object.entries(source.evidence as Record<string, unknown>).filter(([key]) => key !== field),
        ),
      };

describe("an alert's sentence in the dashboard's language", () => {
  it("has a sentence for every kind of alert the node records", () => {
    expect(Object.keys(cases).sort()).toEqual([...alertKinds].sort());
  });

  for (const [kind, c] of Object.entries(cases)) {
    it(`words a ${kind} alert in Chinese and in English with its figures and local times`, () => {
      const sentences: Record<Lang, string> = { zh: alertText(c.alert, "zh"), en: alertText(c.alert, "en") };
      expect(sentences.zh).not.toBe(c.alert.message);
      expect(sentences.zh).toMatch(/[\u4e00-\u9fff]/);
      expect(sentences.en).not.toBe(c.alert.message);
      expect(sentences.en).not.toMatch(/[\u4e00-\u9fff]/);
      for (const lang of ["zh", "en"] as const) {
        for (const figure of c[lang]) expect(sentences[lang]).toContain(figure);
        for (const t of c.times) expect(sentences[lang]).toContain(formatTime(t, lang));
      }
    });

    it(`shows the node's message for a ${kind} alert missing a figure it needs`, () => {
      for (const field of c.needs) {
        const older = without(c.alert, field);
        expect(describeAlert(older, "zh"), field).toBeUndefined();
        expect(alertText(older, "zh"), field).toBe(c.alert.message);
        expect(alertText(older, "en"), field).toBe(c.alert.message);
      }
    });
  }

  it("words a community where the members recorded more than the feeder delivered as over-reporting", () => {
    const over = {
      ...cases.community_imbalance!.alert,
      evidence: {
        ...communityEvidence,
        feederImport: "24000",
        feederNet: "24000",
        difference: "-4000",
        ratio: 0.1667,
      },
    };
    expect(alertText(over, "en")).toContain("the members recorded 4 kWh more than the feeder delivered");
    expect(alertText(over, "zh")).toContain("成员电表比台区总表多记录了 4 kWh");
  });

  it("words gas, heat and water in their own units", () => {
    const spike = cases.spike!.alert;
    const water = { ...spike, evidence: { ...(spike.evidence as object), commodity: 4 } };
    expect(alertText(water, "en")).toContain("imported 9.85 m³");
    const heat = { ...spike, evidence: { ...(spike.evidence as object), commodity: 3, imported: "2500000" } };
    expect(alertText(heat, "zh")).toContain("输入 2.5 GJ");
  });

  it("says a constant history instead of a z-score the node recorded as null", () => {
    const spike = cases.spike!.alert;
    const constant = { ...spike, evidence: { ...(spike.evidence as object), robustZ: null } };
    expect(alertText(constant, "en")).toContain("robust z-score ∞, the history is constant");
    expect(alertText(constant, "zh")).toContain("∞，历史数据恒定");
  });

  it("shows a quarantined batch's absurd interval start as the number it is", () => {
    const bad = cases.batch_quarantined!.alert;
    const absurd = {
      ...bad,
      evidence: { ...(bad.evidence as object), intervalStart: "-9000000000000000000" },
    };
    expect(alertText(absurd, "en")).toContain("interval from -9000000000000000000");
  });

  it("leaves out optional figures instead of falling back", () => {
    const conflict = { ...cases.reading_conflict!.alert, periodStart: null };
    expect(alertText(conflict, "en")).toMatch(/^A second, different reading with seq 3 was refused/);
    const first = cases.register_regression!.alert;
    const noPrevious = { ...first, evidence: { ...(first.evidence as object), previousSeq: null } };
    expect(alertText(noPrevious, "zh")).not.toContain("此前已存储");
    expect(alertText(noPrevious, "zh")).toContain("序号 3");
  });

  it("shows the node's message for a kind it does not know or evidence that is not an object", () => {
    const unknown = alert("solar_eclipse", hour, "the sun went dark", { minutes: 3 });
    expect(alertText(unknown, "zh")).toBe("the sun went dark");
    expect(alertText({ ...cases.sequence_gap!.alert, evidence: null }, "zh")).toBe(
      cases.sequence_gap!.alert.message,
    );
    expect(alertText({ ...cases.sequence_gap!.alert, kind: "toString" }, "en")).toBe(
      cases.sequence_gap!.alert.message,
    );
  });
});
