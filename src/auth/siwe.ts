import { randomBytes } from "node:crypto";
import { type Address, getAddress, type Hex, isAddress, verifyMessage } from "viem";
import { parseSiweMessage, type SiweMessage } from "viem/siwe";
import { BaseError } from "../core/errors.js";
import type { Queryable } from "../db/database.js";

/** A sign-in nonce is valid (and a sign-in message expires) five minutes after it was issued. */
export const nonceSeconds = 300;

/** The sentence the node asks an account to sign. */
export const siweStatement = "Sign in to this GridLedger node.";

/** Where the node is reached, as the client saw it: the `Host` header and the scheme. */
export type SiweOrigin = { domain: string; uri: string; chainId: number };

/** The EIP-4361 fields a client puts in the message it signs (`POST /v1/auth/nonce`). */
export type SiweChallenge = SiweOrigin & {
  nonce: string;
  version: "1";
  statement: string;
  issuedAt: string;
  expirationTime: string;
};

/** The origin of a URI (`http://localhost:80` and `http://localhost` are one), or undefined. */
function originOf(uri: string): string | undefined {
  try {
    return new URL(uri).origin;
  } catch {
    return undefined;
  }
}

const refuse = (code: string, message: string, details: Record<string, unknown> = {}) =>
  new BaseError(code, message, { details });

/**
 * Checks a signed EIP-4361 message against the node's origin and clock, before its nonce and
 * signature: `AUTH_SIWE_INVALID` (not a SIWE message), `AUTH_SIWE_DOMAIN` (domain, uri or chainId of
 * another node or chain), `AUTH_SIWE_EXPIRED` (past its expirationTime, or before its notBefore).
 * Returns the parsed message. (https://eips.ethereum.org/EIPS/eip-4361)
 */
export function checkSiweMessage(text: unknown, origin: SiweOrigin, now: Date): SiweMessage {
  if (typeof text !== "string" || text.length > 4096) {
    throw refuse(
      "AUTH_SIWE_INVALID",
      "message must be an EIP-4361 sign-in message of at most 4096 characters",
    );
  }
  const parsed = parseSiweMessage(text);
  const { address, domain, uri, chainId, nonce, version } = parsed;
  if (!address || !isAddress(address) || !domain || !uri || !chainId || !nonce || version !== "1") {
    throw refuse(
      "AUTH_SIWE_INVALID",
      "message is not an EIP-4361 sign-in message (address, domain, uri, chainId, nonce, version 1)",
    );
  }
  if (domain !== origin.domain) {
    throw refuse("AUTH_SIWE_DOMAIN", `message is for ${domain}, not this node (${origin.domain})`, {
      field: "domain",
      expected: origin.domain,
    });
  }
  if (originOf(uri) === undefined || originOf(uri) !== originOf(origin.uri)) {
    throw refuse("AUTH_SIWE_DOMAIN", `message uri ${uri} is not this node (${origin.uri})`, {
      field: "uri",
      expected: origin.uri,
    });
  }
  if (chainId !== origin.chainId) {
    throw refuse("AUTH_SIWE_DOMAIN", `message is for chain ${chainId}, this node's is ${origin.chainId}`, {
      field: "chainId",
      expected: origin.chainId,
    });
  }
  if (parsed.expirationTime && parsed.expirationTime.getTime() <= now.getTime()) {
    throw refuse("AUTH_SIWE_EXPIRED", `message expired at ${parsed.expirationTime.toISOString()}`);
  }
  if (parsed.notBefore && parsed.notBefore.getTime() > now.getTime()) {
    throw refuse("AUTH_SIWE_EXPIRED", `message is not valid before ${parsed.notBefore.toISOString()}`);
  }
  return { ...parsed, address: getAddress(address), domain, uri, chainId, nonce, version } as SiweMessage;
}

/**
 * Sign-in with Ethereum for one node: single-use nonces in `siwe_nonces`, and the check of a signed
 * message (then its signature by the address, an EOA: EIP-191 personal_sign).
 */
export function createSiwe(db: Queryable, now: () => Date = () => new Date()) {
  return {
    /** A fresh nonce for `address` and the fields of the message to sign; `AUTH_ADDRESS_INVALID` for a bad address. */
    async challenge(address: unknown, origin: SiweOrigin): Promise<SiweChallenge> {
      if (typeof address !== "string" || !isAddress(address, { strict: false })) {
        throw refuse("AUTH_ADDRESS_INVALID", "address must be a 0x-prefixed 20-byte hex address");
      }
      const nonce = randomBytes(16).toString("hex");
      const issuedAt = now();
      const expirationTime = new Date(issuedAt.getTime() + nonceSeconds * 1000);
      await db.query(
        "insert into siwe_nonces (nonce, address, created_at, expires_at) values ($1, $2, $3, $4)",
        [nonce, address.toLowerCase(), issuedAt, expirationTime],
      );
      // Old nonces are of no use to anyone; drop them now and then.
      if (nonce.endsWith("0")) {
        await db.query("delete from siwe_nonces where expires_at < $1", [
          new Date(issuedAt.getTime() - 86_400_000),
        ]);
      }
      return {
        ...origin,
        nonce,
        version: "1",
        statement: siweStatement,
        issuedAt: issuedAt.toISOString(),
        expirationTime: expirationTime.toISOString(),
      };
    },

    /**
     * Verifies a signed message and uses up its nonce; returns the account. Refusals: those of
     * {@link checkSiweMessage}, `AUTH_SIWE_SIGNATURE` (not signed by the message's address),
     * `AUTH_SIWE_NONCE` (a nonce this node did not give that address, already used, or expired).
     */
    async verify(message: unknown, signature: unknown, origin: SiweOrigin): Promise<Address> {
      const parsed = checkSiweMessage(message, origin, now());
      if (typeof signature !== "string" || !/^0x[0-9a-fA-F]{130}$/.test(signature)) {
        throw refuse("AUTH_SIWE_INVALID", "signature must be 65 bytes of hex (0x…)");
      }
      let valid = false;
      try {
        valid = await verifyMessage({
          address: parsed.address,
          message: message as string,
          signature: signature as Hex,
        });
      } catch {
        valid = false;
      }
      if (!valid) {
        throw refuse("AUTH_SIWE_SIGNATURE", `the signature is not by ${parsed.address}`, {
          address: parsed.address,
        });
      }
      const { rows } = await db.query(
        `update siwe_nonces set used_at = $3 where nonce = $1 and address = $2 and used_at is null and expires_at > $3
         returning nonce`,
        [parsed.nonce, parsed.address.toLowerCase(), now()],
      );
      if (rows.length === 0) {
        throw refuse("AUTH_SIWE_NONCE", "the nonce is unknown, expired or already used; ask for a new one", {
          nonce: parsed.nonce,
        });
      }
      return parsed.address;
    },
  };
}
