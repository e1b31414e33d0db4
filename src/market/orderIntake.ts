import { type Address, getAddress, type Hex, isHex, recoverAddress, recoverTypedDataAddress } from "viem";
import { accountRoleIds } from "../auth/roles.js";
import { BaseError } from "../core/errors.js";
import type { Database } from "../db/database.js";
import { deviceKinds, deviceStatuses } from "../registry/deviceTypes.js";
import type { MarketChain } from "./marketChain.js";
import { createMarketStore, type MarketRecord } from "./marketStore.js";
import { cancelTypes, marketDomain, orderDigest, parseOrderJson, type SignedOrder } from "./orderFormat.js";
import { tradeValue } from "./settleSlot.js";

/** Orders are accepted for slots at most this far ahead. */
export const maxSlotAheadSeconds = 7 * 24 * 3600;

/**
 * Device kinds (src/registry/deviceTypes.ts) that can export energy and so sell: generation,
 * bidirectional meters and storage. Those that can import and so buy: consumption, bidirectional,
 * EV chargers and storage. A feeder meter does neither.
 */
export const sellingKinds: ReadonlySet<number> = new Set([
  deviceKinds.generation,
  deviceKinds.bidirectional,
  deviceKinds.storage,
]);
/** Device kinds that can import energy and so buy (see {@link sellingKinds}). */
export const buyingKinds: ReadonlySet<number> = new Set([
  deviceKinds.consumption,
  deviceKinds.bidirectional,
  deviceKinds["ev-charger"],
  deviceKinds.storage,
]);

/** What order intake needs: the database, the Market contract, the chain id and the clock (ms). */
export type IntakeContext = { db: Database; chain: MarketChain; chainId: number; now: () => number };

const refuse = (code: string, message: string, details: Record<string, unknown> = {}) =>
  new BaseError(code, message, { details });

function signatureOf(value: unknown): Hex {
  if (typeof value !== "string" || !isHex(value) || (value.length !== 132 && value.length !== 130)) {
    throw refuse("MARKET_BAD_SIGNATURE", "signature must be a 65-byte 0x-hex secp256k1 signature");
  }
  return value.toLowerCase() as Hex;
}

async function recover(sign: () => Promise<Address>): Promise<Address> {
  try {
    return getAddress(await sign());
  } catch (cause) {
    throw new BaseError("MARKET_BAD_SIGNATURE", "the signature does not recover to an account", { cause });
  }
}

/** Refuses a slot not aligned to the market's slots or more than 7 days ahead, or whose gate closed. */
function checkSlot(market: MarketRecord, slot: bigint, nowSeconds: number): void {
  if (slot % BigInt(market.slotSeconds) !== 0n || slot > BigInt(nowSeconds + maxSlotAheadSeconds)) {
    throw refuse(
      "MARKET_SLOT_INVALID",
      `slot ${slot} is not the start of a ${market.slotSeconds}-second slot within 7 days`,
      { slot: slot.toString(), slotSeconds: market.slotSeconds },
    );
  }
  const closesAt = slot - BigInt(market.gateClosureSeconds);
  if (BigInt(nowSeconds) >= closesAt) {
    throw refuse("MARKET_SLOT_CLOSED", `the gate of slot ${slot} closed at ${closesAt}`, {
      slot: slot.toString(),
      closesAt: closesAt.toString(),
    });
  }
}

async function knownMarket(db: Database, market: Hex): Promise<MarketRecord> {
  const record = await createMarketStore(db).market(market);
  if (!record) throw refuse("MARKET_UNKNOWN", `no market ${market}`, { market });
  return record;
}

/** Whether `account` holds `prosumer` scoped to the market's community (the Accounts mirror). */
async function isMember(db: Database, account: Address, market: MarketRecord): Promise<boolean> {
  const { rows } = await db.query(
    "select 1 from account_roles where account = $1 and role = $2 and scope = $3",
    [account.toLowerCase(), accountRoleIds.prosumer, market.market.toLowerCase()],
  );
  return rows.length > 0;
}

async function checkDevice(db: Database, account: Address, market: MarketRecord, order: SignedOrder) {
  const { rows } = await db.query<{ kind: number; owner: string; community: string | null; status: number }>(
    "select kind, owner, community, status from devices where device_id = $1",
    [order.device.toLowerCase()],
  );
  const device = rows[0];
  if (
    device === undefined ||
    device.owner !== account.toLowerCase() ||
    device.community?.toLowerCase() !== market.community.toLowerCase() ||
    Number(device.status) !== deviceStatuses.active
  ) {
    throw refuse(
      "MARKET_DEVICE_NOT_OWNED",
      `device ${order.device} is not an active device of ${account} in the market's community`,
      { device: order.device, account },
    );
  }
  const kinds = order.side === 1 ? sellingKinds : buyingKinds;
  if (!kinds.has(Number(device.kind))) {
    throw refuse(
      "MARKET_WRONG_SIDE",
      `device ${order.device} cannot ${order.side === 1 ? "export (sell)" : "import (buy)"} energy`,
      { device: order.device, kind: Number(device.kind) },
    );
  }
}

/**
 * Accepts a signed order (`POST /v1/market/orders`): verifies its EIP-712 signature against the Market
 * contract's domain, then refuses in this order an unknown market, a slot not aligned or too far ahead,
 * a closed gate, an expired order, a signer not a prosumer of the community, a device not the signer's
 * in the community, a device of the wrong side, a reused nonce, and for a buy an escrow that does not
 * cover Σ floor(limit × E / 1000) of the account's open buys with this one. Stored before it answers.
 */
export async function acceptOrder(
  ctx: IntakeContext,
  body: { order: unknown; signature: unknown },
): Promise<{ digest: Hex; status: "open"; receivedAt: number }> {
  const order = parseOrderJson(body.order);
  const signature = signatureOf(body.signature);
  // The digest is the order's id and what was signed: hashed once, the signer recovered from it.
  const digest = orderDigest(marketDomain(ctx.chainId, ctx.chain.address), order).toLowerCase() as Hex;
  const account = await recover(() => recoverAddress({ hash: digest, signature }));
  const market = await knownMarket(ctx.db, order.market);
  const receivedAt = ctx.now();
  const nowSeconds = Math.floor(receivedAt / 1000);
  checkSlot(market, order.slot, nowSeconds);
  if (order.expiry < BigInt(nowSeconds)) {
    throw refuse("MARKET_ORDER_EXPIRED", `the order expired at ${order.expiry}`, {
      expiry: order.expiry.toString(),
    });
  }
  if (!(await isMember(ctx.db, account, market))) {
    throw refuse("MARKET_NOT_MEMBER", `${account} is not a prosumer of community ${market.community}`, {
      account,
      community: market.community,
    });
  }
  await checkDevice(ctx.db, account, market, order);
  const store = createMarketStore(ctx.db);
  const nonceReused = () =>
    refuse("MARKET_NONCE_REUSED", `${account} used nonce ${order.nonce} already`, {
      account,
      nonce: order.nonce.toString(),
    });
  if (await store.nonceUsed(account, order.nonce)) throw nonceReused();
  // Read before the transaction: the chain is not part of it, and the lock below is then held briefly.
  const available = order.side === 0 ? await ctx.chain.availableOf(account) : 0n;
  const stored = await ctx.db.transaction(async (tx) => {
    if (order.side === 0) {
      // One intake at a time per account, so two buys cannot both count the same escrow.
      await tx.query("select pg_advisory_xact_lock(hashtext($1))", [
        `market-escrow:${account.toLowerCase()}`,
      ]);
      const needed = (await store.openBuyValue(account, tx)) + tradeValue(order.limitPrice, order.energyWh);
      if (available < needed) {
        throw refuse(
          "MARKET_INSUFFICIENT_ESCROW",
          `escrow available ${available} does not cover the open buys' ${needed}`,
          { account, needed: needed.toString(), available: available.toString() },
        );
      }
    }
    return store.insertOrder({ digest, order, account, signature, receivedAt }, tx);
  });
  if (!stored) throw nonceReused();
  return { digest, status: "open", receivedAt };
}

/**
 * Cancels an open order (`POST /v1/market/cancels`) with a Cancel signed by the order's signer, before
 * its slot's gate closes.
 */
export async function cancelOrder(
  ctx: IntakeContext,
  body: { cancel: { market: string; slot: string | number; order: string }; signature: unknown },
): Promise<{ order: Hex; status: "cancelled" }> {
  const signature = signatureOf(body.signature);
  let slot: bigint;
  try {
    slot = BigInt(body.cancel.slot);
  } catch {
    throw refuse("MARKET_ORDER_MALFORMED", "cancel.slot must be a whole number of Unix seconds");
  }
  const cancel = {
    market: body.cancel.market.toLowerCase() as Hex,
    slot,
    order: body.cancel.order.toLowerCase() as Hex,
  };
  const domain = marketDomain(ctx.chainId, ctx.chain.address);
  const signer = await recover(() =>
    recoverTypedDataAddress({
      domain,
      types: cancelTypes,
      primaryType: "Cancel",
      message: cancel,
      signature,
    }),
  );
  const store = createMarketStore(ctx.db);
  const stored = await store.order(cancel.order);
  if (!stored || stored.order.market !== cancel.market || stored.order.slot !== cancel.slot) {
    throw refuse("MARKET_ORDER_UNKNOWN", `no order ${cancel.order} in that market and slot`, {
      order: cancel.order,
    });
  }
  if (stored.account.toLowerCase() !== signer.toLowerCase()) {
    throw refuse("MARKET_BAD_SIGNATURE", "a cancel must be signed by the order's signer", {
      order: cancel.order,
    });
  }
  const market = await knownMarket(ctx.db, cancel.market);
  checkSlot(market, cancel.slot, Math.floor(ctx.now() / 1000));
  if (stored.status === "cancelled") return { order: cancel.order, status: "cancelled" };
  if (!(await store.cancel(cancel.order, signature))) {
    throw refuse("MARKET_SLOT_CLOSED", `order ${cancel.order} is ${stored.status}`, { order: cancel.order });
  }
  return { order: cancel.order, status: "cancelled" };
}
