import { bytesToHex } from "@noble/hashes/utils.js";
import { type Address, zeroAddress } from "viem";
import { BaseError } from "../core/errors.js";
import { assertCleanText } from "../core/text.js";
import { parseAddress } from "./address.js";
import {
  type DeviceKind,
  encodeDeviceKind,
  encodeEnergySource,
  encodeScheme,
  type SignatureScheme,
} from "./deviceTypes.js";
import { deviceIdOf, parsePublicKey } from "./publicKey.js";
import type { DeviceInput } from "./registryClient.js";

/** A device as the API and CLI take it. */
export type DeviceRequest = {
  /** Region code, e.g. `CN-GD`. */
  region: string;
  kind: string;
  /** `ed25519` (default) or `secp256k1`. */
  scheme?: string | undefined;
  /** Hex or PEM. */
  publicKey: string;
  /** Energy source of a generator (solar, wind, …); `none` by default. */
  source?: string | undefined;
  /** Rated capacity in W. */
  capacityW?: string | number | undefined;
  /** Owner organisation; defaults to the node operator. */
  owner?: string | undefined;
  /** Community organisation the device belongs to, if any. */
  community?: string | undefined;
};

/**
 * Refuses a device request whose text fields hold control characters or lone surrogates
 * (`TEXT_INVALID`); a PEM public key may span lines. Run by the API and, before sending, the CLI.
 */
export function checkDeviceText(request: DeviceRequest): void {
  for (const field of ["region", "kind", "scheme", "source", "owner", "community"] as const) {
    const value = request[field];
    if (typeof value === "string") assertCleanText(value, field);
  }
  if (typeof request.capacityW === "string") assertCleanText(request.capacityW, "capacityW");
  if (typeof request.publicKey === "string")
    assertCleanText(request.publicKey, "publicKey", { multiline: true });
}

function optionalAddress(value: string | undefined, field: string, fallback: Address): Address {
  return value === undefined || value === "" ? fallback : parseAddress(value, field);
}

/**
 * Validates one device request and encodes it for `Registry.registerDevices`. `regionIdOf` maps a
 * region code to its id, throwing when the region is unknown.
 */
export function parseDeviceRequest(
  request: DeviceRequest,
  context: { operator: Address; regionIdOf: (code: string) => `0x${string}` },
): { deviceId: `0x${string}`; input: DeviceInput } {
  checkDeviceText(request);
  const scheme = (request.scheme ?? "ed25519").toLowerCase() as SignatureScheme;
  const schemeValue = encodeScheme(scheme);
  const kind = encodeDeviceKind(request.kind);
  const source = encodeEnergySource(request.source ?? "none");
  if ((request.kind as DeviceKind) === "generation" && source === 0) {
    throw new BaseError(
      "REGISTRY_MISSING_ENERGY_SOURCE",
      "a generation device needs --source (solar, wind, …)",
      {
        details: { kind: request.kind },
      },
    );
  }
  let capacityW: bigint;
  try {
    capacityW = BigInt(request.capacityW ?? 0);
  } catch {
    capacityW = -1n;
  }
  if (capacityW < 0n || capacityW >= 2n ** 64n) {
    throw new BaseError(
      "REGISTRY_INVALID_CAPACITY",
      `capacity must be a whole number of watts, got "${request.capacityW}"`,
      {
        details: { capacityW: request.capacityW },
      },
    );
  }
  const raw = parsePublicKey(scheme, request.publicKey);
  return {
    deviceId: deviceIdOf(raw),
    input: {
      scheme: schemeValue,
      publicKey: `0x${bytesToHex(raw)}`,
      owner: optionalAddress(request.owner, "owner", context.operator),
      regionId: context.regionIdOf(request.region),
      kind,
      source,
      capacityW,
      community: optionalAddress(request.community, "community", zeroAddress),
    },
  };
}
