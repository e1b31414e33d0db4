import { type Address, getAddress, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { marketDomain, orderToJson, orderTypes, type SignedOrder } from "../../src/market/orderFormat.js";
import { type Answer, answer, client } from "./api.js";
import { type Eip1193Provider, parseKeyFile, SignInError } from "./auth/signIn.js";

// Answers of the market routes, as the OpenAPI document describes them (integers as decimal strings).

/** A market of `GET /v1/market/markets`. */
export type MarketInfo = Answer<"/v1/market/markets", "get">["markets"][number];

/** One slot of `GET …/slots`. */
export type SlotRow = Answer<"/v1/market/markets/{market}/slots", "get">["slots"][number];

/** A slot's state: open for orders, closed (clearing), cleared (committed on chain) or settled. */
export type SlotStatus = SlotRow["status"];

/** `GET …/slots/:slot/book`: depth per price level, no identities. */
export type Book = Answer<"/v1/market/markets/{market}/slots/{slot}/book", "get">;

/** `GET …/slots/:slot/result`. */
export type SlotResult = Answer<"/v1/market/markets/{market}/slots/{slot}/result", "get">;

/** `GET …/slots/:slot/audit`. */
export type SlotAudit = Answer<"/v1/market/markets/{market}/slots/{slot}/audit", "get">;

/** `GET /v1/market/me`: escrow, orders, trades and settlement statement of the signed-in account. */
export type MarketMe = Answer<"/v1/market/me", "get">;

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
  const domain = marketDomain(Number(market.chainId), getAddress(market.verifyingContract));
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

/** Places a signed order (`POST /v1/market/orders`); answers its digest (the order's EIP-712 hash). */
export async function placeOrder(order: SignedOrder, signature: Hex) {
  return answer(await client.POST("/v1/market/orders", { body: { order: orderToJson(order), signature } }));
}
