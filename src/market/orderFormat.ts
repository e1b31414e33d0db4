import { type Address, getAddress, type Hex, hashTypedData, pad, type TypedDataDomain } from "viem";
import { BaseError } from "../core/errors.js";

/** EIP-712 domain name of the Market contract (version "1"). */
export const marketDomainName = "GridLedger Market";
/** EIP-712 domain version of the Market contract. */
export const marketDomainVersion = "1";

/** EIP-712 types of an order (docs/market.md; the Market contract's `orderDigest`). */
export const orderTypes = {
  Order: [
    { name: "market", type: "bytes32" },
    { name: "slot", type: "uint64" },
    { name: "side", type: "uint8" },
    { name: "device", type: "bytes32" },
    { name: "energyWh", type: "uint64" },
    { name: "limitPrice", type: "uint64" },
    { name: "nonce", type: "uint64" },
    { name: "expiry", type: "uint64" },
  ],
} as const;

/** EIP-712 types of a cancel; `order` is the cancelled order's digest. */
export const cancelTypes = {
  Cancel: [
    { name: "market", type: "bytes32" },
    { name: "slot", type: "uint64" },
    { name: "order", type: "bytes32" },
  ],
} as const;

/** Limits of an order's quantities (else MARKET_QUANTITY_INVALID). */
export const orderLimits = {
  energyWh: { min: 1n, max: 10_000_000n },
  limitPrice: { min: 1n, max: 1_000_000n },
} as const;

/** An order as signed: side 0 = buy, 1 = sell; energy in Wh, limit in base units per kWh. */
export type SignedOrder = {
  market: Hex;
  slot: bigint;
  side: 0 | 1;
  device: Hex;
  energyWh: bigint;
  limitPrice: bigint;
  nonce: bigint;
  expiry: bigint;
};

/** A cancel as signed. */
export type SignedCancel = { market: Hex; slot: bigint; order: Hex };

/** The JSON form of an order: integers as decimal strings, side by name, hex lower case. */
export type OrderJson = {
  market: Hex;
  slot: string;
  side: "buy" | "sell";
  device: Hex;
  energyWh: string;
  limitPrice: string;
  nonce: string;
  expiry: string;
};

/** The EIP-712 domain of the Market contract at `market` on chain `chainId`. */
export function marketDomain(chainId: number, market: Address): TypedDataDomain {
  return { name: marketDomainName, version: marketDomainVersion, chainId, verifyingContract: market };
}

/** The market id of a community: its address left-padded to 32 bytes (`bytes32(uint256(uint160(c)))`). */
export function marketIdOf(community: Address): Hex {
  return pad(getAddress(community), { size: 32 }).toLowerCase() as Hex;
}

/** The EIP-712 digest of an order, which is its id in the node. */
export function orderDigest(domain: TypedDataDomain, order: SignedOrder): Hex {
  return hashTypedData({ domain, types: orderTypes, primaryType: "Order", message: order });
}

/** The EIP-712 digest of a cancel. */
export function cancelDigest(domain: TypedDataDomain, cancel: SignedCancel): Hex {
  return hashTypedData({ domain, types: cancelTypes, primaryType: "Cancel", message: cancel });
}

const u64Max = 2n ** 64n - 1n;

function malformed(message: string, details: Record<string, unknown> = {}): BaseError {
  return new BaseError("MARKET_ORDER_MALFORMED", message, { details });
}

/**
 * Parses the JSON form of an order: integers as decimal strings or JSON numbers up to 2^53−1, hex
 * with `0x` in any case, side "buy"/"sell" or 0/1. Throws MARKET_ORDER_MALFORMED naming the field, or
 * MARKET_QUANTITY_INVALID for energy or limit outside `orderLimits`, or an expiry of 0.
 */
export function parseOrderJson(input: unknown): SignedOrder {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw malformed("an order is a JSON object");
  }
  const o = input as Record<string, unknown>;
  const order: SignedOrder = {
    market: bytes32(o.market, "market"),
    slot: uint64(o.slot, "slot"),
    side: sideOf(o.side),
    device: bytes32(o.device, "device"),
    energyWh: uint64(o.energyWh, "energyWh"),
    limitPrice: uint64(o.limitPrice, "limitPrice"),
    nonce: uint64(o.nonce, "nonce"),
    expiry: uint64(o.expiry, "expiry"),
  };
  for (const field of ["energyWh", "limitPrice"] as const) {
    const { min, max } = orderLimits[field];
    if (order[field] < min || order[field] > max) {
      throw new BaseError("MARKET_QUANTITY_INVALID", `${field} must be between ${min} and ${max}`, {
        details: { field, value: order[field].toString() },
      });
    }
  }
  if (order.expiry === 0n) throw malformed("expiry must be a unix time, not 0", { field: "expiry" });
  return order;
}

/** The JSON form of an order (integers as decimal strings, side by name, hex lower case). */
export function orderToJson(order: SignedOrder): OrderJson {
  return {
    market: order.market.toLowerCase() as Hex,
    slot: order.slot.toString(),
    side: order.side === 0 ? "buy" : "sell",
    device: order.device.toLowerCase() as Hex,
    energyWh: order.energyWh.toString(),
    limitPrice: order.limitPrice.toString(),
    nonce: order.nonce.toString(),
    expiry: order.expiry.toString(),
  };
}

/** Parses an unsigned integer given as a decimal string or a safe JSON number, or null if it is not one. */
export function parseUnsigned(value: unknown): bigint | null {
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 0 ? BigInt(value) : null;
  if (typeof value === "string" && /^[0-9]{1,78}$/.test(value)) return BigInt(value);
  return null;
}

function uint64(value: unknown, field: string): bigint {
  const n = parseUnsigned(value);
  if (n === null || n > u64Max) {
    throw malformed(`${field} must be an unsigned 64-bit integer (a decimal string or a JSON number)`, {
      field,
      value: value === undefined ? null : String(value).slice(0, 40),
    });
  }
  return n;
}

function bytes32(value: unknown, field: string): Hex {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(value)) {
    throw malformed(`${field} must be 32 bytes of 0x-hex`, { field });
  }
  return value.toLowerCase() as Hex;
}

function sideOf(value: unknown): 0 | 1 {
  if (value === "buy" || value === 0 || value === "0") return 0;
  if (value === "sell" || value === 1 || value === "1") return 1;
  throw malformed('side must be "buy" or "sell" (or 0 / 1)', { field: "side" });
}
