import { type Address, getAddress, type Hex, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createSiweMessage } from "viem/siwe";
import { answer, client, type SignedIn, type SignInChallenge } from "../api.js";

/** Who signs the sign-in message: a browser wallet's account, or a key file's key held only in this page. */
export type Signer = { address: Address; signMessage(message: string): Promise<Hex> };

/** A sign-in that failed in the page (before the node answered), with a label key of authStrings.ts. */
export class SignInError extends Error {
  readonly key: "keyFileInvalid" | "walletMissing" | "walletRejected" | "walletFailed";
  constructor(key: SignInError["key"], message: string = key) {
    super(message);
    this.key = key;
  }
}

/**
 * The private key of a key file's text: `0x` and 64 hex digits (the demo's `<data-dir>/demo-accounts/<role>.key`,
 * `cast wallet new`'s key), surrounding white space ignored, the `0x` optional.
 */
export function parseKeyFile(text: string): Hex {
  const trimmed = text.trim();
  const hex = trimmed.startsWith("0x") || trimmed.startsWith("0X") ? trimmed.slice(2) : trimmed;
  if (!/^[0-9a-fA-F]{64}$/.test(hex) || /^0+$/.test(hex)) throw new SignInError("keyFileInvalid");
  return `0x${hex.toLowerCase()}`;
}

/** A signer from a key file's text; the key stays in this closure, never sent nor stored. */
export function keyFileSigner(text: string): Signer {
  let account: ReturnType<typeof privateKeyToAccount>;
  try {
    account = privateKeyToAccount(parseKeyFile(text));
  } catch (error) {
    throw error instanceof SignInError ? error : new SignInError("keyFileInvalid");
  }
  return { address: account.address, signMessage: (message) => account.signMessage({ message }) };
}

/** The EIP-1193 provider a browser wallet injects. */
export type Eip1193Provider = { request(args: { method: string; params?: unknown[] }): Promise<unknown> };

/** The browser wallet of this page (`window.ethereum`), if there is one. */
export function browserWallet(): Eip1193Provider | undefined {
  const injected = (window as unknown as { ethereum?: Eip1193Provider }).ethereum;
  return injected && typeof injected.request === "function" ? injected : undefined;
}

/** A signer from a browser wallet: asks for its account (eth_requestAccounts) and signs with personal_sign. */
export async function walletSigner(wallet: Eip1193Provider): Promise<Signer> {
  const accounts = await walletCall<string[]>(wallet, "eth_requestAccounts", []);
  const first = accounts[0];
  if (!first) throw new SignInError("walletRejected");
  const address = getAddress(first);
  return {
    address,
    signMessage: (message) => walletCall<Hex>(wallet, "personal_sign", [toHex(message), address]),
  };
}

async function walletCall<T>(wallet: Eip1193Provider, method: string, params: unknown[]): Promise<T> {
  try {
    return (await wallet.request({ method, params })) as T;
  } catch (error) {
    // EIP-1193: 4001 is the user's refusal.
    const code = (error as { code?: number }).code;
    const key: SignInError["key"] = code === 4001 ? "walletRejected" : "walletFailed";
    throw new SignInError(key, (error as Error).message ?? String(error));
  }
}

/** The EIP-4361 message for `address` with the fields the node gave (`POST /v1/auth/nonce`). */
export function siweMessage(address: Address, challenge: SignInChallenge): string {
  return createSiweMessage({
    address,
    chainId: challenge.chainId,
    domain: challenge.domain,
    uri: challenge.uri,
    nonce: challenge.nonce,
    version: challenge.version,
    statement: challenge.statement,
    issuedAt: new Date(challenge.issuedAt),
    expirationTime: new Date(challenge.expirationTime),
  });
}

/**
 * Sign-In with Ethereum (EIP-4361): asks the node for a nonce, signs the message, and sends it; the node
 * answers with the session as an HttpOnly cookie (the token in the answer is not kept).
 */
export async function signIn(signer: Signer): Promise<SignedIn> {
  const challenge = answer(await client.POST("/v1/auth/nonce", { body: { address: signer.address } }));
  const message = siweMessage(signer.address, challenge);
  const signature = await signer.signMessage(message);
  return answer(await client.POST("/v1/auth/signin", { body: { message, signature } }));
}
