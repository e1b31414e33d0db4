import { type Address, getAddress, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { marketDomain, orderToJson, orderTypes, type SignedOrder } from "../../src/market/orderFormat.js";
import { api } from "./api.js";
import { type Eip1193Provider, parseKeyFile, SignInError } from "./auth/signIn.js";

// Answers of the market routes (docs/http-api.md "Market"); integers are decimal strings.

/** A market of `GET /v1/market/markets`. */
export type MarketInfo = {
  market: Hex;
  community: string;
  operator: string;
  gridOperator: string;
  slotSeconds: string;
  gateClosureSeconds: string;
  retailPrice: string;
  feedInPrice: string;
  rewardRate: string;
  chainId: string;
  verifyingContract: Address;
};

/** A slot's state: open for orders, closed (clearing), cleared (committed on chain) or settled. */
export type SlotStatus = "open" | "closed" | "cleared" | "settled";

/** One slot of `GET …/slots`. */
export type SlotRow = {
  slot: string;
  status: SlotStatus;
  closesAt: string;
  price: string | null;
  volumeWh: string;
  orderCount: string;
  tradeCount: string;
  clearTx: string | null;
  settleTx: string | null;
};

/** One price level of a book. */
export type BookLevel = { price: string; energyWh: string; orders: string };

/** `GET …/slots/:slot/book`. */
export type Book = {
  slot: string;
  status: SlotStatus;
  closesAt: string;
  bids: BookLevel[];
  asks: BookLevel[];
};

/** `GET …/slots/:slot/result`. */
export type SlotResult = {
  mechanism: string;
  rule: string;
  price: string | null;
  volumeWh: string;
  ordersRoot: string;
  tradesRoot: string;
  trades: { buy: string; sell: string; energyWh: string; price: string }[];
  clearTx: string | null;
  settlementRoot?: string | null;
  settleTx?: string | null;
};

/** `GET …/slots/:slot/audit`. */
export type SlotAudit = {
  verified: boolean;
  checks: { name: string; ok: boolean; expected: string; actual: string }[];
};

/** An order as JSON (side `buy` | `sell`). */
export type OrderJson = {
  market: string;
  slot: string;
  side: "buy" | "sell";
  device: string;
  energyWh: string;
  limitPrice: string;
  nonce: string;
  expiry: string;
};

/** A settlement line (signed values as decimal strings) with its proof in the settlement root. */
export type SettlementLineJson = {
  account: string;
  device: string;
  side: number;
  tradedWh: string;
  meteredWh: string;
  deliveredWh: string;
  tradeValue: string;
  gridValue: string;
  rewardWh: string;
  proof: string[];
};

/** `GET /v1/market/me`. */
export type MarketMe = {
  account: string;
  escrow: { balance: string; locked: string; available: string };
  orders: {
    digest: string;
    order: OrderJson;
    signature: string;
    account: string;
    receivedAt: string;
    status: "open" | "included" | "excluded" | "cancelled" | "expired";
    reason?: string;
  }[];
  trades: { market: string; slot: string; buy: string; sell: string; energyWh: string; price: string }[];
  statement: {
    market: string;
    slot: string;
    settlementRoot: string | null;
    settleTx: string | null;
    line: SettlementLineJson;
    meterProofs: string[];
  }[];
};

/** `/v1/market/markets/<market>` + `rest`. */
export const marketPath = (market: string, rest = "") => `/v1/market/markets/${market}${rest}`;

/** Signs EIP-712 typed data as one account: a key file's key (held in this call only) or a browser wallet. */
export type OrderSigner = { kind: "key"; keyText: string } | { kind: "wallet"; wallet: Eip1193Provider };

/** A random 63-bit nonce: unique per signer in practice, and far from the simulator's `slot × 1000 + n`. */
export function randomNonce(): bigint {
  const words = crypto.getRandomValues(new Uint32Array(2));
  return ((BigInt(words[0] ?? 0) & 0x7fffffffn) << 32n) | BigInt(words[1] ?? 0);
}

/**
 * Signs `order` (EIP-712 `Order`, domain "GridLedger Market" of the market's contract) as `account`,
 * the signed-in account: another key is refused with `SignInError("keyFileInvalid")` and the caller
 * says whose key is wanted. A wallet signs with `eth_signTypedData_v4`.
 */
export async function signOrder(
  market: MarketInfo,
  order: SignedOrder,
  signer: OrderSigner,
  account: string,
): Promise<{ signature: Hex; signerAddress: Address }> {
  const domain = marketDomain(Number(market.chainId), market.verifyingContract);
  const typed = { domain, types: orderTypes, primaryType: "Order", message: order } as const;
  if (signer.kind === "key") {
    const key = privateKeyToAccount(parseKeyFile(signer.keyText));
    if (key.address !== getAddress(account)) return { signature: "0x", signerAddress: key.address };
    return { signature: await key.signTypedData(typed), signerAddress: key.address };
  }
  const { serializeTypedData } = await import("viem");
  const address = getAddress(account);
  try {
    const signature = (await signer.wallet.request({
      method: "eth_signTypedData_v4",
      params: [address, serializeTypedData(typed as never)],
    })) as Hex;
    return { signature, signerAddress: address };
  } catch (error) {
    const code = (error as { code?: number }).code;
    throw new SignInError(code === 4001 ? "walletRejected" : "walletFailed", (error as Error).message);
  }
}

/** Places a signed order (`POST /v1/market/orders`). */
export function placeOrder(order: SignedOrder, signature: Hex) {
  return api<{ digest: string; status: string; receivedAt: string }>("/v1/market/orders", {
    method: "POST",
    body: { order: orderToJson(order), signature },
  });
}
