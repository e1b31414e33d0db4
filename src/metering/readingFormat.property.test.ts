import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BaseError } from "../core/errors.js";
import {
  decodeReading,
  encodeReading,
  parseReadingJson,
  type Reading,
  readingMagic,
  readingToJson,
  type SignedReading,
} from "./readingFormat.js";

const runs = { seed: 20_260_309, numRuns: 1_000 };
const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });

/** Readings over every field's whole wire range (the parser may refuse some: then with a code). */
const reading: fc.Arbitrary<Reading> = fc.record({
  deviceId: fc
    .uint8Array({ minLength: 32, maxLength: 32 })
    .map((b) => `0x${Buffer.from(b).toString("hex")}` as const),
  seq: fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }),
  intervalStart: fc.oneof(
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    fc.bigInt({ min: 946_684_800n, max: 4_102_444_800n }),
  ),
  duration: fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.constantFrom(60, 300, 900, 3600, 86_400)),
  commodity: fc.integer({ min: 0, max: 255 }),
  quality: fc.integer({ min: 0, max: 255 }),
  importRegister: u64,
  exportRegister: u64,
  importDelta: u64,
  exportDelta: u64,
});

/** Runs `action`; a throw must be a BaseError with a READING_* code. */
function passOrReadingCode<T>(action: () => T): T | undefined {
  try {
    return action();
  } catch (error) {
    expect(error).toBeInstanceOf(BaseError);
    expect((error as BaseError).code).toMatch(/^READING_[A-Z_]+$/);
    return undefined;
  }
}

describe("the reading format, for arbitrary readings, bytes and JSON", () => {
  it("decodes what it encodes, and parses the JSON form it writes, field for field", () => {
    fc.assert(
      fc.property(reading, fc.uint8Array({ minLength: 1, maxLength: 72 }), (r, signature) => {
        const bytes = passOrReadingCode(() => encodeReading(r));
        if (bytes === undefined) return;
        expect(bytes).toHaveLength(90);
        expect(decodeReading(bytes)).toEqual(r);
        const signed: SignedReading = { ...r, signature };
        expect(parseReadingJson(readingToJson(signed))).toEqual(signed);
        expect(parseReadingJson(JSON.parse(JSON.stringify(readingToJson(signed))))).toEqual(signed);
      }),
      runs,
    );
  });

  it("decodes arbitrary bytes to a reading or refuses them with a READING_* code", () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 120 }),
      fc
        .uint8Array({ minLength: 86, maxLength: 86 })
        .map((tail) => new Uint8Array([...readingMagic, ...tail])),
    );
    fc.assert(
      fc.property(bytes, (b) => {
        const decoded = passOrReadingCode(() => decodeReading(b));
        if (decoded !== undefined) expect(encodeReading(decoded)).toEqual(b);
      }),
      runs,
    );
  });

  it("parses arbitrary JSON, and good readings with any field replaced by any value, or refuses with a READING_* code", () => {
    const good = readingToJson({
      deviceId: `0x${"ab".repeat(32)}`,
      seq: 7n,
      intervalStart: 1_767_225_600n,
      duration: 900,
      commodity: 1,
      quality: 0,
      importRegister: 1_000n,
      exportRegister: 0n,
      importDelta: 250n,
      exportDelta: 0n,
      signature: new Uint8Array(64),
    });
    const field = fc.constantFrom(...Object.keys(good), "__proto__", "constructor", "extra");
    const mutated = fc
      .tuple(
        field,
        fc.oneof(fc.jsonValue(), fc.constantFrom(2 ** 64, -1, 1e300, Number.NaN, "NaN", "0x10", "-0", " 1")),
      )
      .map(([key, value]) => ({ ...good, [key]: value }));
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.anything(), mutated), (input) => {
        const parsed = passOrReadingCode(() => parseReadingJson(input));
        // Whatever passes is a reading the wire format can carry.
        if (parsed === undefined) return;
        const { signature: _, ...fields } = parsed;
        expect(decodeReading(encodeReading(parsed))).toEqual(fields);
      }),
      runs,
    );
  });
});
