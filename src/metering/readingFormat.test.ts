import { describe, expect, it } from "vitest";
import {
  commodities,
  commodityName,
  decodeReading,
  durationLimits,
  encodeReading,
  leafInputOf,
  parseReadingJson,
  qualities,
  type Reading,
  readingMessageLength,
  readingToJson,
  type SignedReading,
} from "./readingFormat.js";

const u64Max = 2n ** 64n - 1n;
const deviceIdHex = "00112233445566778899aabbccddeeff0123456789abcdeffedcba9876543210";

/** A reading whose fields all have distinct, recognisable bytes. */
function sample(overrides: Partial<Reading> = {}): Reading {
  return {
    deviceId: `0x${deviceIdHex}`,
    seq: 0x0102030405060708n,
    intervalStart: 1_767_225_600n,
    duration: 900,
    commodity: commodities.heat,
    quality: qualities.estimated,
    importRegister: 0x1112131415161718n,
    exportRegister: 0x2122232425262728n,
    importDelta: 0x3132333435363738n,
    exportDelta: 0x4142434445464748n,
    ...overrides,
  };
}

function signedSample(overrides: Partial<SignedReading> = {}): SignedReading {
  return { ...sample(), signature: new Uint8Array(64).fill(0xab), ...overrides };
}

function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

function thrown(run: () => unknown): { code?: string; message: string; details?: Record<string, unknown> } {
  try {
    run();
  } catch (error) {
    return error as { code?: string; message: string; details?: Record<string, unknown> };
  }
  throw new Error("expected a throw");
}

/** The JSON form of the sample, as a device would send it. */
function sampleJson(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...readingToJson(signedSample()), ...overrides };
}

describe("encodeReading", () => {
  it("lays out every field big-endian at its documented offset in 90 bytes", () => {
    const bytes = encodeReading(sample());
    expect(bytes).toHaveLength(readingMessageLength);
    const field = (from: number, to: number) => hexOf(bytes.subarray(from, to));
    expect(field(0, 4)).toBe(Buffer.from("GLR1", "ascii").toString("hex"));
    expect(field(4, 36)).toBe(deviceIdHex);
    expect(field(36, 44)).toBe("0102030405060708");
    expect(field(44, 52)).toBe("000000006955b900");
    expect(field(52, 56)).toBe("00000384");
    expect(field(56, 57)).toBe("03");
    expect(field(57, 58)).toBe("01");
    expect(field(58, 66)).toBe("1112131415161718");
    expect(field(66, 74)).toBe("2122232425262728");
    expect(field(74, 82)).toBe("3132333435363738");
    expect(field(82, 90)).toBe("4142434445464748");
  });

  it("writes a negative intervalStart in two's complement", () => {
    const bytes = encodeReading(sample({ intervalStart: -900n }));
    expect(hexOf(bytes.subarray(44, 52))).toBe("fffffffffffffc7c");
  });

  it("accepts the extreme values of every integer field", () => {
    for (const reading of [
      sample({
        seq: u64Max,
        intervalStart: 2n ** 63n - 1n,
        duration: durationLimits.max,
        importRegister: u64Max,
        exportRegister: u64Max,
        importDelta: u64Max,
        exportDelta: u64Max,
      }),
      sample({
        seq: 1n,
        intervalStart: -(2n ** 63n),
        duration: durationLimits.min,
        importRegister: 0n,
        exportRegister: 0n,
        importDelta: 0n,
        exportDelta: 0n,
      }),
    ]) {
      expect(decodeReading(encodeReading(reading))).toEqual(reading);
    }
  });

  it.each([
    ["seq", { seq: 0n }],
    ["seq", { seq: -1n }],
    ["seq", { seq: 2n ** 64n }],
    ["importRegister", { importRegister: -1n }],
    ["exportRegister", { exportRegister: 2n ** 64n }],
    ["importDelta", { importDelta: 2n ** 64n }],
    ["exportDelta", { exportDelta: -5n }],
    ["intervalStart", { intervalStart: 2n ** 63n }],
    ["intervalStart", { intervalStart: -(2n ** 63n) - 1n }],
    ["duration", { duration: 59 }],
    ["duration", { duration: 86_401 }],
    ["duration", { duration: 900.5 }],
    ["commodity", { commodity: 0 }],
    ["commodity", { commodity: 5 }],
    ["quality", { quality: 3 }],
    ["deviceId", { deviceId: `0x${deviceIdHex.slice(2)}` as const }],
    ["deviceId", { deviceId: "0xnothex" as const }],
  ] as const)("refuses %s out of range with READING_MALFORMED naming the field (%o)", (name, overrides) => {
    const error = thrown(() => encodeReading(sample(overrides)));
    expect(error.code).toBe("READING_MALFORMED");
    expect(error.details?.field).toBe(name);
  });
});

describe("decodeReading", () => {
  it("round-trips what encodeReading wrote", () => {
    const reading = sample();
    expect(decodeReading(encodeReading(reading))).toEqual(reading);
  });

  it("reads a message that sits inside a larger buffer", () => {
    const framed = new Uint8Array(100);
    framed.set(encodeReading(sample()), 7);
    expect(decodeReading(framed.subarray(7, 97))).toEqual(sample());
  });

  it("refuses a message that is not 90 bytes with READING_MALFORMED", () => {
    const bytes = encodeReading(sample());
    expect(() => decodeReading(bytes.subarray(0, 89))).toThrow(
      expect.objectContaining({
        code: "READING_MALFORMED",
        message: expect.stringMatching(/90 bytes, got 89/),
      }),
    );
    expect(() => decodeReading(new Uint8Array(91))).toThrow(
      expect.objectContaining({ code: "READING_MALFORMED" }),
    );
  });

  it("refuses a message without the GLR1 magic with READING_UNSUPPORTED_VERSION", () => {
    const bytes = encodeReading(sample());
    bytes[3] = 0x32; // "GLR2"
    expect(() => decodeReading(bytes)).toThrow(
      expect.objectContaining({ code: "READING_UNSUPPORTED_VERSION" }),
    );
  });

  it.each([
    ["seq", 36, 8, 0],
    ["duration", 52, 4, 0],
    ["commodity", 56, 1, 9],
    ["quality", 57, 1, 7],
  ])("refuses signed bytes whose %s is out of range", (name, offset, length, value) => {
    const bytes = encodeReading(sample());
    bytes.fill(0, offset, offset + length);
    bytes[offset + length - 1] = value;
    const error = thrown(() => decodeReading(bytes));
    expect(error.code).toBe("READING_MALFORMED");
    expect(error.details?.field).toBe(name);
  });
});

describe("readingToJson and parseReadingJson", () => {
  it("write uint64 fields as decimal strings, names for codes and lowercase hex without 0x", () => {
    expect(readingToJson(signedSample())).toEqual({
      v: 1,
      deviceId: deviceIdHex,
      seq: "72623859790382856",
      intervalStart: 1_767_225_600,
      duration: 900,
      commodity: "heat",
      quality: "estimated",
      importRegister: "1230066625199609624",
      exportRegister: "2387509390608836392",
      importDelta: "3544952156018063160",
      exportDelta: "4702394921427289928",
      signature: "ab".repeat(64),
    });
  });

  it("round-trips through JSON text, including values above 2^53", () => {
    const reading = signedSample({ seq: u64Max, importRegister: 2n ** 53n + 1n });
    expect(parseReadingJson(JSON.parse(JSON.stringify(readingToJson(reading))))).toEqual(reading);
  });

  it("accepts uint64 fields as JSON numbers up to 2^53−1", () => {
    const max = Number.MAX_SAFE_INTEGER;
    const parsed = parseReadingJson(
      sampleJson({ seq: 42, importRegister: max, exportRegister: 0, importDelta: 1, exportDelta: 2 }),
    );
    expect(parsed.seq).toBe(42n);
    expect(parsed.importRegister).toBe(2n ** 53n - 1n);
    expect(parsed.exportDelta).toBe(2n);
  });

  it("refuses a JSON number of 2^53 or more, asking for a decimal string", () => {
    const error = thrown(() => parseReadingJson(sampleJson({ importRegister: 2 ** 53 })));
    expect(error.code).toBe("READING_MALFORMED");
    expect(error.details?.field).toBe("importRegister");
    expect(error.message).toMatch(/decimal strings/);
    expect(parseReadingJson(sampleJson({ importRegister: "9007199254740992" })).importRegister).toBe(
      2n ** 53n,
    );
  });

  it("accepts 2^64−1 as a string and refuses 2^64", () => {
    expect(parseReadingJson(sampleJson({ exportRegister: "18446744073709551615" })).exportRegister).toBe(
      u64Max,
    );
    const error = thrown(() => parseReadingJson(sampleJson({ exportRegister: "18446744073709551616" })));
    expect(error.code).toBe("READING_MALFORMED");
    expect(error.details?.field).toBe("exportRegister");
  });

  it.each([
    ["a negative value", "-1"],
    ["a fraction", "1.5"],
    ["an exponent", "1e3"],
    ["padding", " 42"],
    ["a plus sign", "+42"],
    ["hex", "0x2a"],
    ["an empty string", ""],
    ["a fractional number", 1.5],
    ["a boolean", true],
    ["null", null],
  ])("refuses %s as a uint64 field", (_, value) => {
    const error = thrown(() => parseReadingJson(sampleJson({ importDelta: value })));
    expect(error.code).toBe("READING_MALFORMED");
    expect(error.details?.field).toBe("importDelta");
  });

  it("accepts intervalStart as a number or a string, negative included", () => {
    expect(parseReadingJson(sampleJson({ intervalStart: "1767225600" })).intervalStart).toBe(1_767_225_600n);
    expect(parseReadingJson(sampleJson({ intervalStart: -900 })).intervalStart).toBe(-900n);
  });

  it("accepts hex with 0x and in upper case, and writes it back lowercase without 0x", () => {
    const parsed = parseReadingJson(
      sampleJson({ deviceId: `0x${deviceIdHex.toUpperCase()}`, signature: `0X${"AB".repeat(64)}` }),
    );
    expect(parsed.deviceId).toBe(`0x${deviceIdHex}`);
    expect(parsed.signature).toEqual(new Uint8Array(64).fill(0xab));
    expect(readingToJson(parsed).deviceId).toBe(deviceIdHex);
  });

  it("refuses a deviceId that is not 32 bytes of hex and a signature that is not hex", () => {
    for (const [field, value] of [
      ["deviceId", deviceIdHex.slice(2)],
      ["deviceId", `${deviceIdHex}00`],
      ["deviceId", `zz${deviceIdHex.slice(2)}`],
      ["deviceId", undefined],
      ["signature", "abc"],
      ["signature", ""],
      ["signature", 42],
    ] as const) {
      const error = thrown(() => parseReadingJson(sampleJson({ [field]: value })));
      expect(error.code).toBe("READING_MALFORMED");
      expect(error.details?.field).toBe(field);
    }
  });

  it("defaults duration to 900, quality to measured and the export fields to 0", () => {
    const { duration, quality, exportRegister, exportDelta, ...rest } = sampleJson();
    const parsed = parseReadingJson(rest);
    expect(parsed.duration).toBe(900);
    expect(parsed.quality).toBe(qualities.measured);
    expect(parsed.exportRegister).toBe(0n);
    expect(parsed.exportDelta).toBe(0n);
  });

  it("requires seq, intervalStart, commodity, importRegister and importDelta, naming the missing field", () => {
    for (const field of ["seq", "intervalStart", "commodity", "importRegister", "importDelta"]) {
      const json = sampleJson();
      delete json[field];
      const error = thrown(() => parseReadingJson(json));
      expect(error.code).toBe("READING_MALFORMED");
      expect(error.details?.field).toBe(field);
    }
  });

  it("reads commodities and qualities by name, in any case, or by code", () => {
    for (const [name, code] of Object.entries(commodities)) {
      expect(parseReadingJson(sampleJson({ commodity: name })).commodity).toBe(code);
      expect(parseReadingJson(sampleJson({ commodity: name.toUpperCase() })).commodity).toBe(code);
      expect(parseReadingJson(sampleJson({ commodity: code })).commodity).toBe(code);
      expect(commodityName(code)).toBe(name);
    }
    for (const [name, code] of Object.entries(qualities)) {
      expect(parseReadingJson(sampleJson({ quality: name })).quality).toBe(code);
      expect(parseReadingJson(sampleJson({ quality: code })).quality).toBe(code);
    }
    expect(commodityName(9)).toBe("unknown(9)");
  });

  it.each([
    ["commodity", "coal"],
    ["commodity", 0],
    ["commodity", "constructor"],
    ["commodity", "__proto__"],
    ["quality", "toString"],
    ["quality", "good"],
    ["quality", 3],
  ])("refuses %s %o with READING_MALFORMED listing the allowed names", (field, value) => {
    const error = thrown(() => parseReadingJson(sampleJson({ [field]: value })));
    expect(error.code).toBe("READING_MALFORMED");
    expect(error.details?.field).toBe(field);
    expect(error.message).toMatch(/must be one of/);
  });

  it("refuses a duration outside 60–86400 seconds", () => {
    for (const duration of [0, 59, 86_401, "x"]) {
      const error = thrown(() => parseReadingJson(sampleJson({ duration })));
      expect(error.code).toBe("READING_MALFORMED");
      expect(error.details?.field).toBe("duration");
    }
  });

  it("refuses seq 0: the first reading is 1", () => {
    const error = thrown(() => parseReadingJson(sampleJson({ seq: "0" })));
    expect(error.code).toBe("READING_MALFORMED");
    expect(error.details?.field).toBe("seq");
  });

  it("refuses another format version with READING_UNSUPPORTED_VERSION", () => {
    for (const v of [2, "2", 0, undefined, null]) {
      expect(() => parseReadingJson(sampleJson({ v }))).toThrow(
        expect.objectContaining({ code: "READING_UNSUPPORTED_VERSION" }),
      );
    }
  });

  it("refuses anything but a JSON object with READING_MALFORMED", () => {
    for (const input of [null, 42, "reading", [readingToJson(signedSample())]]) {
      expect(() => parseReadingJson(input)).toThrow(expect.objectContaining({ code: "READING_MALFORMED" }));
    }
  });
});

describe("leafInputOf", () => {
  it("is the 90-byte message followed by the signature", () => {
    const message = encodeReading(sample());
    const signature = new Uint8Array(64).fill(0x5a);
    const input = leafInputOf(message, signature);
    expect(input).toHaveLength(154);
    expect(hexOf(input)).toBe(hexOf(message) + "5a".repeat(64));
  });
});
