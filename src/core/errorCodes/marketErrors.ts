import { http, local } from "./errorEntry.js";

/** The local energy market: orders, cancels, slots, clearing and its audit (docs/market.md). */
export const marketErrors = {
  MARKET_ORDER_MALFORMED: http(400, "not an order: a missing field, bad hex or a value of the wrong form"),
  MARKET_QUANTITY_INVALID: http(400, "energyWh outside 1..10,000,000 or limitPrice outside 1..1,000,000"),
  MARKET_BAD_SIGNATURE: http(400, "the EIP-712 signature does not recover to an account"),
  MARKET_NOT_MEMBER: http(403, "the signer holds no prosumer role in the market's community"),
  MARKET_DEVICE_NOT_OWNED: http(403, "the order's device is not owned by the signer or not in the community"),
  MARKET_WRONG_SIDE: http(
    400,
    "a sell from a device that cannot export, or a buy from one that cannot import",
  ),
  MARKET_SLOT_INVALID: http(
    400,
    "the slot is not aligned to the market's slot length or more than 7 days ahead",
  ),
  MARKET_SLOT_CLOSED: http(409, "the slot's gate has closed: no more orders or cancels"),
  MARKET_ORDER_EXPIRED: http(409, "the order's expiry has passed"),
  MARKET_NONCE_REUSED: http(409, "the signer used this nonce in another order"),
  MARKET_UNKNOWN: http(404, "no market with this id"),
  MARKET_ORDER_UNKNOWN: http(404, "no order with this digest"),
  MARKET_SLOT_NOT_CLEARED: http(
    409,
    "the slot is not cleared yet, so its orders and result are not published",
  ),
  MARKET_UNAVAILABLE: http(503, "this node has no Market contract yet"),
  MARKET_CLEARING_INPUT_INVALID: local(400, "`market clear` input is not a valid order book"),
  MARKET_AUDIT_FAILED: local(
    422,
    "the slot audit found a mismatch between the published orders and the chain",
  ),
};
