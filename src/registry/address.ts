import { type Address, getAddress, isAddress } from "viem";
import { BaseError } from "../core/errors.js";

/** Checks an organisation address given in a request (any case) and returns it checksummed. */
export function parseAddress(value: unknown, field: string): Address {
  if (typeof value !== "string" || !isAddress(value, { strict: false })) {
    throw new BaseError(
      "REGISTRY_INVALID_ADDRESS",
      `${field} must be a 20-byte hex address, got "${String(value)}"`,
      {
        details: { field, value },
      },
    );
  }
  return getAddress(value);
}
