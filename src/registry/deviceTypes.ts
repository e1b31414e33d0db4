import { BaseError } from "../core/errors.js";

/** Signature schemes of devices; values match `scheme` in contracts/Registry.sol. */
export const signatureSchemes = { ed25519: 1, secp256k1: 2 } as const;
/** Device kinds; values match `kind` in contracts/Registry.sol. */
export const deviceKinds = {
  consumption: 1,
  generation: 2,
  bidirectional: 3,
  "ev-charger": 4,
  storage: 5,
  feeder: 6,
} as const;
/** Energy sources of generating devices; `none` for devices that do not generate. */
export const energySources = {
  none: 0,
  solar: 1,
  wind: 2,
  hydro: 3,
  coal: 4,
  gas: 5,
  nuclear: 6,
  biomass: 7,
  other: 8,
} as const;
/**
 * Device statuses; values match `status` in contracts/Registry.sol. `pending` awaits the region
 * operator's approval (a device registered by anyone else); it is not a status one can set.
 */
export const deviceStatuses = { active: 1, suspended: 2, retired: 3, pending: 4 } as const;

export type SignatureScheme = keyof typeof signatureSchemes;
export type DeviceKind = keyof typeof deviceKinds;
export type EnergySource = keyof typeof energySources;
export type DeviceStatus = keyof typeof deviceStatuses;

function encoder<T extends Record<string, number>>(table: T, what: string, code: string) {
  return (name: string): T[keyof T] => {
    const key = name.trim().toLowerCase();
    // Own entries only: "constructor" or "__proto__" must not find what every object inherits.
    const value = Object.hasOwn(table, key) ? table[key as keyof T] : undefined;
    if (value === undefined) {
      throw new BaseError(
        code,
        `unknown ${what} "${name}"; expected one of ${Object.keys(table).join(", ")}`,
        {
          details: { [what.replace(/ (\w)/g, (_, c: string) => c.toUpperCase())]: name },
        },
      );
    }
    return value;
  };
}

function decoder<T extends Record<string, number>>(table: T) {
  const byValue = new Map(Object.entries(table).map(([name, value]) => [value, name as keyof T & string]));
  return (value: number): keyof T & string => byValue.get(value) ?? (`unknown(${value})` as keyof T & string);
}

/** Name → on-chain value, throwing a coded error for an unknown name. */
export const encodeScheme = encoder(signatureSchemes, "signature scheme", "REGISTRY_UNKNOWN_SCHEME");
export const encodeDeviceKind = encoder(deviceKinds, "device kind", "REGISTRY_UNKNOWN_DEVICE_KIND");
export const encodeEnergySource = encoder(energySources, "energy source", "REGISTRY_UNKNOWN_ENERGY_SOURCE");
export const encodeDeviceStatus = encoder(deviceStatuses, "device status", "REGISTRY_UNKNOWN_DEVICE_STATUS");

/** On-chain value → name. */
export const decodeScheme = decoder(signatureSchemes);
export const decodeDeviceKind = decoder(deviceKinds);
export const decodeEnergySource = decoder(energySources);
export const decodeDeviceStatus = decoder(deviceStatuses);
