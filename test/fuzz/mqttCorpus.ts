import fc from "fast-check";
import { type DeviceKey, generateDeviceKey, signReading } from "../../src/metering/deviceKey.js";
import { commodities, qualities, readingToJson } from "../../src/metering/readingFormat.js";

// The payloads test/fuzz/mqtt.fuzz.test.ts publishes on a registered device's own readings topic:
// hand-made hostile inputs, then fast-check-generated ones (fixed seeds, so a failure reproduces).

/** A badly signed reading of `deviceId` with `fields` replacing the good values. */
function reading(deviceId: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    v: 1,
    deviceId,
    seq: "1",
    intervalStart: 1_767_225_600,
    duration: 900,
    commodity: "electricity",
    quality: "measured",
    importRegister: "1000",
    exportRegister: "0",
    importDelta: "10",
    exportDelta: "0",
    signature: "ab".repeat(64),
    ...fields,
  };
}

/** Hostile payloads for device `id` (`own`'s id); `other` is another registered device. */
export function payloadCorpus(options: {
  id: string;
  own: DeviceKey;
  other: DeviceKey;
  firstInterval: bigint;
}): Buffer[] {
  const { id, own, other } = options;
  const goodFields = (seq: bigint) => fieldsOf(seq, options.firstInterval);
  const text = (value: string) => Buffer.from(value, "utf8");
  const json = (value: unknown) => text(JSON.stringify(value));
  const handMade: Buffer[] = [
    // Malformed JSON.
    ...[
      "",
      " ",
      "{",
      "[",
      "]",
      "}",
      '{"v":1',
      "nul",
      "tru",
      "'x'",
      "{a:1}",
      "[1,]",
      '{"a" 1}',
      '"',
      "[[[",
      "1e",
      "-",
      "0x10",
      "NaN",
      "Infinity",
      "undefined",
      '{"v":1}}',
      "//",
      "/* */ {}",
    ].map(text),
    // Deep nesting (valid JSON, nothing like a reading).
    text(`${"[".repeat(50_000)}${"]".repeat(50_000)}`),
    text(`${'{"a":'.repeat(20_000)}1${"}".repeat(20_000)}`),
    json(reading(id, { seq: [[[[[[[[[[["1"]]]]]]]]]]] })),
    // NUL, control characters, lone surrogates, invalid UTF-8.
    text("\u0000"),
    json(reading(id, { seq: "1\u0000" })),
    json(reading(`${id}\u0000`)),
    json(reading(id, { commodity: "electricity\u0000" })),
    json(reading(id, { quality: "measured\u0007" })),
    json(reading(id, { signature: `${"ab".repeat(63)}\u0000\u0000` })),
    text(`{"v":1,"deviceId":"${id}","seq":"\ud800"}`),
    text(`["\udfff", "\ud83d"]`),
    Buffer.from([0xff, 0xfe, 0xfd, 0x00, 0x80]),
    Buffer.concat([text('{"v":1,"seq":"'), Buffer.from([0xc3, 0x28]), text('"}')]),
    // Wrong types.
    ...[0, 1, -1, true, false, null, "reading", {}, [null], [[]], [{}], [1, 2, 3]].map(json),
    ...[
      { v: "1" },
      { v: null },
      { v: 2 },
      { v: 1.5 },
      { seq: {} },
      { seq: [] },
      { seq: true },
      { seq: 1.5 },
      { intervalStart: "abc" },
      { intervalStart: null },
      { duration: -900 },
      { duration: "fifteen" },
      { signature: 123 },
      { signature: "zz".repeat(64) },
      { signature: "ab" },
      { deviceId: 12345 },
      { commodity: "plutonium" },
      { commodity: 99 },
      { quality: -1 },
      { importRegister: -5 },
      { importDelta: "1e3" },
      { exportRegister: [] },
    ].map((fields) => json(reading(id, fields))),
    // Boundary numbers.
    ...[
      { seq: 0 },
      { seq: -1 },
      { seq: "18446744073709551615" },
      { seq: "18446744073709551616" },
      { seq: 9_007_199_254_740_992 },
      { seq: 1e308 },
      { seq: "-0" },
      { intervalStart: -9e18 },
      { intervalStart: 9e18 },
      { intervalStart: 0 },
      { intervalStart: -900 },
      { duration: 0 },
      { duration: 59 },
      { duration: 86_401 },
      { duration: 4_294_967_296 },
      { importRegister: "99999999999999999999999" },
      { importDelta: "18446744073709551616" },
      { exportDelta: -1 },
      { intervalStart: 1e21 },
      { intervalStart: 1.5 },
    ].map((fields) => json(reading(id, fields))),
    text(JSON.stringify(reading(id)).replace('"seq":"1"', '"seq":9007199254740993')),
    // Prototype pollution attempts.
    text(`{"__proto__":{"polluted":true},"v":1,"deviceId":"${id}"}`),
    text(`{"constructor":{"prototype":{"polluted":true}}}`),
    text(`[{"__proto__":{"seq":"1"}}]`),
    // A reading of another device on this device's topic, and one of an unknown device.
    json(readingToJson(signReading(other, goodFields(1n)))),
    json(readingToJson(signReading(generateDeviceKey(), goodFields(1n)))),
    // Oversized: beyond the payload limit, more readings than allowed, and 500 tiny refusals.
    text(`"${"x".repeat(300 * 1024)}"`),
    json(Array(501).fill(reading(id))),
    json(Array(500).fill(0)),
    json(Array(500).fill(reading(id, { signature: "00" }))),
    // A conflicting reading: seq 1 again, other values, correctly signed.
    json(readingToJson(signReading(own, { ...goodFields(1n), importDelta: 11n, importRegister: 1011n }))),
  ];
  // Generated: arbitrary JSON values, strings of any code units, raw bytes, and readings with
  // arbitrary values in their fields (fast-check, fixed seed so a failure reproduces).
  const generated: Buffer[] = [
    ...fc.sample(fc.jsonValue({ maxDepth: 6 }), { numRuns: 30, seed: 9 }).map(json),
    ...fc.sample(fc.string({ unit: "binary", maxLength: 200 }), { numRuns: 15, seed: 10 }).map(text),
    ...fc
      .sample(fc.uint8Array({ maxLength: 300 }), { numRuns: 15, seed: 11 })
      .map((bytes) => Buffer.from(bytes)),
    ...fc
      .sample(
        fc.record({
          field: fc.constantFrom(
            "seq",
            "intervalStart",
            "duration",
            "commodity",
            "importRegister",
            "signature",
            "v",
          ),
          value: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.string({ unit: "binary" }), fc.double()),
        }),
        { numRuns: 30, seed: 12 },
      )
      .map(({ field, value }) => json(reading(id, { [field]: value }))),
  ];
  return [...handMade, ...generated];
}

/** The fields of a consistent reading `seq` of a series starting at `firstInterval`. */
function fieldsOf(seq: bigint, firstInterval: bigint) {
  return {
    seq,
    intervalStart: firstInterval + (seq - 1n) * 900n,
    duration: 900,
    commodity: commodities.electricity,
    quality: qualities.measured,
    importRegister: 1000n + seq * 10n,
    exportRegister: 0n,
    importDelta: 10n,
    exportDelta: 0n,
  };
}

/** Where the conflicting reading (seq 1 again, other values, correctly signed) is in the corpus. */
export function conflictIndex(corpus: Buffer[]): number {
  return corpus.findIndex((payload) => payload.toString().includes('"importDelta":"11"'));
}
