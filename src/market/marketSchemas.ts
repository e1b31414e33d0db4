import { Type } from "typebox";
import { nullable } from "../server/paramSchemas.js";

// Schemas of the market's routes (docs/http-api.md "Market"). Integers are decimal strings, hex is
// lower-case 0x. Order bodies are checked by the pure codec (orderFormat.ts), so a malformed order is
// refused with MARKET_ORDER_MALFORMED / MARKET_QUANTITY_INVALID rather than by the schema.

const str = { type: "string" } as const;
const int = (description: string) => ({ type: "string", description }) as const;
const hex = (description: string) => ({ type: "string", description }) as const;
const obj = <const P extends Record<string, unknown>>(properties: P) =>
  ({ type: "object", required: Object.keys(properties), properties }) as const;

/** Path parameters `{ market }`: a market id (the community's address left-padded to 32 bytes). */
export const marketParams = Type.Object({ market: Type.String({ pattern: "^0[xX][0-9a-fA-F]{64}$" }) });
/** Path parameters `{ market, slot }`. */
export const slotParams = Type.Object({
  market: Type.String({ pattern: "^0[xX][0-9a-fA-F]{64}$" }),
  slot: Type.String({ pattern: "^[0-9]{1,12}$", description: "the slot's start, Unix seconds" }),
});
/** Query `?from&to` of the slot list (Unix seconds). */
export const slotRange = Type.Partial(
  Type.Object({
    from: Type.String({ pattern: "^[0-9]{1,12}$", description: "Unix seconds (default: a day ago)" }),
    to: Type.String({
      pattern: "^[0-9]{1,12}$",
      description: "Unix seconds, excluded (default: 7 days ahead)",
    }),
  }),
  { additionalProperties: false },
);

const orderFields = {
  market: hex("market id (bytes32)"),
  slot: int("slot start, Unix seconds"),
  side: { type: "string", enum: ["buy", "sell"] },
  device: hex("device id (bytes32)"),
  energyWh: int("1 to 10,000,000 Wh"),
  limitPrice: int("1 to 1,000,000 base units per kWh"),
  nonce: int("unique per signer"),
  expiry: int("Unix seconds after which the order is void"),
} as const;

/** An order as JSON (orderToJson): integers as decimal strings, side `buy` or `sell`. */
export const orderJson = obj(orderFields);

/** `POST /v1/market/orders` body: an EIP-712 Order (decimal strings or numbers) and its signature. */
export const orderBody = Type.Object(
  {
    order: Type.Unsafe<unknown>({
      type: "object",
      description:
        "Order(bytes32 market,uint64 slot,uint8 side,bytes32 device,uint64 energyWh,uint64 limitPrice,uint64 nonce,uint64 expiry); side 0|1|buy|sell",
      properties: Object.fromEntries(
        Object.entries(orderFields).map(([k, v]) => [
          k,
          { description: "description" in v ? v.description : k },
        ]),
      ),
    }),
    signature: Type.String({ maxLength: 200, description: "65-byte secp256k1 EIP-712 signature, 0x-hex" }),
  },
  { additionalProperties: false },
);

/** `POST /v1/market/cancels` body: an EIP-712 Cancel and its signature by the order's signer. */
export const cancelBody = Type.Object(
  {
    cancel: Type.Object(
      {
        market: Type.String({ pattern: "^0[xX][0-9a-fA-F]{64}$" }),
        slot: Type.Union([Type.String({ pattern: "^[0-9]{1,20}$" }), Type.Integer({ minimum: 0 })]),
        order: Type.String({ pattern: "^0[xX][0-9a-fA-F]{64}$", description: "the order's digest" }),
      },
      { additionalProperties: false },
    ),
    signature: Type.String({ maxLength: 200 }),
  },
  { additionalProperties: false },
);

/** One market of `GET /v1/market/markets`. */
export const marketSchema = obj({
  market: str,
  community: str,
  operator: str,
  gridOperator: str,
  slotSeconds: int("seconds"),
  gateClosureSeconds: int("seconds before the slot when orders stop"),
  retailPrice: int("base units per kWh"),
  feedInPrice: int("base units per kWh"),
  rewardRate: int("reward tokens per kWh delivered locally"),
  chainId: int("EIP-712 domain chain id"),
  verifyingContract: str,
});

const slotStatus = { type: "string", enum: ["open", "closed", "cleared", "settled"] } as const;

/** One slot of the slot list. */
export const slotSchema = {
  type: "object",
  required: [
    "slot",
    "status",
    "closesAt",
    "price",
    "volumeWh",
    "orderCount",
    "tradeCount",
    "clearTx",
    "settleTx",
  ],
  properties: {
    slot: str,
    status: slotStatus,
    closesAt: int("gate closure, Unix seconds"),
    price: nullable({ type: "string" }),
    volumeWh: str,
    orderCount: str,
    tradeCount: str,
    clearTx: nullable({ type: "string" }),
    settleTx: nullable({ type: "string" }),
  },
} as const;

const level = obj({ price: str, energyWh: str, orders: str });
/** An order book: depth per price level of the open orders, no identities. */
export const bookSchema = obj({
  slot: str,
  status: slotStatus,
  closesAt: str,
  bids: { type: "array", items: level },
  asks: { type: "array", items: level },
});

/** A published order (after clearing). */
export const publishedOrder = {
  type: "object",
  required: ["digest", "order", "signature", "account", "receivedAt", "status"],
  properties: {
    digest: str,
    order: orderJson,
    signature: str,
    account: str,
    receivedAt: { type: "string", description: "ISO 8601" },
    status: { type: "string", enum: ["open", "included", "excluded", "cancelled", "expired"] },
    reason: str,
  },
} as const;

const trade = obj({ buy: str, sell: str, energyWh: str, price: str });

/** A slot's clearing result. */
export const resultSchema = {
  type: "object",
  required: ["mechanism", "rule", "price", "volumeWh", "ordersRoot", "tradesRoot", "trades", "clearTx"],
  properties: {
    mechanism: str,
    rule: str,
    price: nullable({ type: "string" }),
    volumeWh: str,
    ordersRoot: str,
    tradesRoot: str,
    trades: { type: "array", items: trade },
    clearTx: nullable({ type: "string" }),
    settlementRoot: nullable({ type: "string" }),
    settleTx: nullable({ type: "string" }),
  },
} as const;

const lineFields = {
  account: str,
  device: str,
  side: { type: "integer", description: "0 buy, 1 sell, 2 the grid operator's line" },
  tradedWh: str,
  meteredWh: str,
  deliveredWh: str,
  tradeValue: int("signed base units"),
  gridValue: int("signed base units"),
  rewardWh: str,
  proof: { type: "array", items: str, description: "siblings bottom-up (OpenZeppelin MerkleProof.verify)" },
} as const;
/** A settlement line with its proof in the settlement root. */
export const lineSchema = obj(lineFields);

/** A slot's settlement as one principal may see it. */
export const settlementSchema = obj({
  settlementRoot: nullable({ type: "string" }),
  settleTx: nullable({ type: "string" }),
  lines: { type: "array", items: lineSchema },
});

/** The audit of a slot (auditSlot against Market.slotOf). */
export const auditSchema = obj({
  verified: { type: "boolean" },
  checks: { type: "array", items: obj({ name: str, ok: { type: "boolean" }, expected: str, actual: str }) },
});

/** `GET /v1/market/me`. */
export const meSchema = obj({
  account: str,
  escrow: obj({ balance: int("signed"), locked: str, available: str }),
  orders: { type: "array", items: publishedOrder },
  trades: {
    type: "array",
    items: obj({ market: str, slot: str, buy: str, sell: str, energyWh: str, price: str }),
  },
  statement: {
    type: "array",
    items: obj({
      market: str,
      slot: str,
      settlementRoot: nullable({ type: "string" }),
      settleTx: nullable({ type: "string" }),
      line: lineSchema,
      meterProofs: { type: "array", items: { type: "string", description: "GET path of a reading's proof" } },
      reward: nullable({
        ...obj({ amount: str, claimTx: str }),
        description:
          "The line's reward as claimed on chain (RewardToken units, claimRewards transaction); null: not claimed yet",
      }),
    }),
  },
});
