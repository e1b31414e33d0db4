import { generateKeyPairSync } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BaseError } from "../core/errors.js";
import { parseDeviceRequest } from "./deviceInput.js";
import {
  deviceKinds,
  deviceStatuses,
  encodeDeviceKind,
  encodeDeviceStatus,
  encodeEnergySource,
  encodeScheme,
  energySources,
  signatureSchemes,
} from "./deviceTypes.js";
import { parsePublicKey, publicKeyLengths } from "./publicKey.js";
import { normaliseRegionCode } from "./regionCode.js";

const seed = 20_260_309;
const runs = { seed, numRuns: 500 };

/** Runs `action`; a throw must be a BaseError with one of `codes`. Returns the value, or undefined when refused. */
function passOrCode<T>(action: () => T, codes: RegExp): T | undefined {
  try {
    return action();
  } catch (error) {
    expect(error).toBeInstanceOf(BaseError);
    expect((error as BaseError).code).toMatch(codes);
    return undefined;
  }
}

/** Property names every JavaScript object inherits: a lookup table must not take them for entries. */
const inherited = ["constructor", "__proto__", "toString", "valueOf", "hasOwnProperty", "isPrototypeOf"];
const text = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom(
    ...inherited,
    "ß",
    "cn-ß",
    "ﬀ-x",
    "ı-ı",
    "ǅ-1",
    " CN-GD ",
    "cn-gd",
    "CN_GD",
    "C",
    "A".repeat(17),
  ),
);

describe("registry input checks, for arbitrary text", () => {
  it("normaliseRegionCode: an ASCII code of 2–16 characters, upper-cased, or REGISTRY_INVALID_REGION_CODE (TEXT_INVALID for control characters)", () => {
    fc.assert(
      fc.property(text, (input) => {
        const code = passOrCode(
          () => normaliseRegionCode(input),
          /^(REGISTRY_INVALID_REGION_CODE|TEXT_INVALID)$/,
        );
        if (code === undefined) return;
        expect(code).toMatch(/^[A-Z0-9-]{2,16}$/);
        // What was given is what is stored, up to case: "ß" must not become "SS".
        expect(code).toBe(input.trim().toUpperCase());
        expect(input.trim().toLowerCase()).toBe(code.toLowerCase());
        expect(normaliseRegionCode(code)).toBe(code);
      }),
      runs,
    );
  });

  it("parsePublicKey: the raw key of the scheme's length, or REGISTRY_INVALID_PUBLIC_KEY", () => {
    const pems = ["ed25519", "x25519", "ed448"]
      .map((type) => generateKeyPairSync(type as "ed25519").publicKey.export({ format: "pem", type: "spki" }))
      .concat(
        generateKeyPairSync("ec", { namedCurve: "secp256k1" }).publicKey.export({
          format: "pem",
          type: "spki",
        }),
        generateKeyPairSync("ec", { namedCurve: "prime256v1" }).publicKey.export({
          format: "pem",
          type: "spki",
        }),
        generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({ format: "pem", type: "spki" }),
        generateKeyPairSync("dsa", { modulusLength: 1024, divisorLength: 160 }).publicKey.export({
          format: "pem",
          type: "spki",
        }),
      )
      .map(String);
    const keyText = fc.oneof(
      text,
      fc.uint8Array({ minLength: 0, maxLength: 70 }).map((b) => Buffer.from(b).toString("hex")),
      fc.uint8Array({ minLength: 33, maxLength: 33 }).map((b) => `0x${Buffer.from(b).toString("hex")}`),
      fc.constantFrom(...pems),
      fc.string({ maxLength: 60 }).map((s) => `-----BEGIN PUBLIC KEY-----\n${s}\n-----END PUBLIC KEY-----`),
    );
    fc.assert(
      fc.property(
        fc.constantFrom("ed25519", "secp256k1") as fc.Arbitrary<"ed25519" | "secp256k1">,
        keyText,
        (scheme, input) => {
          const raw = passOrCode(() => parsePublicKey(scheme, input), /^REGISTRY_INVALID_PUBLIC_KEY$/);
          if (raw !== undefined) expect(raw).toHaveLength(publicKeyLengths[scheme]);
        },
      ),
      runs,
    );
  });

  it("parseDeviceRequest: a device to register, or a REGISTRY_* refusal, for any text in any field", () => {
    const publicKey = Buffer.from(
      generateKeyPairSync("ed25519").publicKey.export({ format: "jwk" }).x!,
      "base64url",
    ).toString("hex");
    const request = fc.record(
      {
        region: fc.oneof(text, fc.constant("CN-GD")),
        kind: fc.oneof(text, fc.constantFrom(...Object.keys(deviceKinds))),
        scheme: fc.oneof(text, fc.constantFrom("ed25519", "ED25519", "secp256k1")),
        publicKey: fc.oneof(text, fc.constant(publicKey)),
        source: fc.oneof(text, fc.constantFrom(...Object.keys(energySources))),
        capacityW: fc.oneof(
          text,
          fc.constantFrom("0", "1e3", "-1", "18446744073709551616", "1.5"),
          fc.double(),
        ),
        owner: fc.oneof(text, fc.constant("0x00000000000000000000000000000000000000aa")),
        community: fc.oneof(text, fc.constant("")),
      },
      { requiredKeys: ["region", "kind", "publicKey"] },
    );
    const regionIdOf = (code: string): `0x${string}` => {
      if (normaliseRegionCode(code) !== "CN-GD") throw new BaseError("REGISTRY_UNKNOWN_REGION", "unknown");
      return `0x${"11".repeat(32)}`;
    };
    fc.assert(
      fc.property(request, (input) => {
        const parsed = passOrCode(
          () =>
            parseDeviceRequest(input, { operator: "0x00000000000000000000000000000000000000bb", regionIdOf }),
          /^(REGISTRY_[A-Z_]+|TEXT_INVALID)$/,
        );
        if (parsed === undefined) return;
        expect(parsed.deviceId).toMatch(/^0x[0-9a-f]{64}$/);
        expect(Object.values(deviceKinds)).toContain(parsed.input.kind);
        expect(Object.values(energySources)).toContain(parsed.input.source);
        expect(parsed.input.capacityW).toBeGreaterThanOrEqual(0n);
        expect(parsed.input.capacityW).toBeLessThan(2n ** 64n);
      }),
      runs,
    );
  });
});

describe("device type names, for arbitrary text", () => {
  it("encode to a value of their table or throw the table's REGISTRY_UNKNOWN_* code, inherited names included", () => {
    const tables = [
      [encodeScheme, signatureSchemes, "REGISTRY_UNKNOWN_SCHEME"],
      [encodeDeviceKind, deviceKinds, "REGISTRY_UNKNOWN_DEVICE_KIND"],
      [encodeEnergySource, energySources, "REGISTRY_UNKNOWN_ENERGY_SOURCE"],
      [encodeDeviceStatus, deviceStatuses, "REGISTRY_UNKNOWN_DEVICE_STATUS"],
    ] as const;
    fc.assert(
      fc.property(text, fc.constantFrom(...tables), (input, [encode, table, code]) => {
        const value = passOrCode(() => encode(input), new RegExp(`^${code}$`));
        if (value !== undefined) expect(Object.values(table)).toContain(value);
      }),
      runs,
    );
    for (const name of inherited) expect(() => encodeDeviceKind(name)).toThrow(BaseError);
  });
});
