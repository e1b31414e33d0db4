import type { Abi, Address, Chain, ContractEventName, Log, PublicClient, Transport } from "viem";
import type { Database, Queryable } from "../../db/database.js";

/** Blocks asked for in one `eth_getLogs` call; public endpoints commonly cap a range near this. */
const defaultBlockRange = 2_000n;

/** A log of event `E` of `abi`, decoded by viem (strict: every argument present). */
export type IndexedLog<A extends Abi, E extends ContractEventName<A> = ContractEventName<A>> = Log<
  bigint,
  number,
  false,
  undefined,
  true,
  A,
  E
>;

/**
 * What a handler does with a run of consecutive logs of one event, inside the transaction that also
 * moves its cursor: logs arrive in chain order, and a run of the same event (a batch registration
 * emits hundreds) comes in one call so it can be written set-based.
 */
export type EventHandler<A extends Abi, E extends ContractEventName<A>> = (
  tx: Queryable,
  logs: IndexedLog<A, E>[],
) => Promise<void>;

/**
 * A handler: a name (its cursor in `sync_state`), the contracts it follows, and a function per event
 * (ponder's `ponder.on("Contract:Event")`). The events of all its contracts are handled in chain order,
 * so a handler whose events depend on each other (an organisation admitted, then granted a role) sees
 * them as the chain ordered them. `after` runs once per range, after the events (e.g. to flush what
 * the events collected).
 */
export type IndexerHandler<A extends Abi = Abi> = {
  name: string;
  abi: A;
  /** The contract(s) the logs come from; none: the handler waits (e.g. a contract not deployed yet). */
  address: Address | readonly Address[] | undefined;
  /** First block to look at when the handler has no cursor yet (the contracts' deployment block). */
  fromBlock: bigint;
  on: { [E in ContractEventName<A>]?: EventHandler<A, E> };
  after?: (tx: Queryable) => Promise<void>;
};

/** A handler of any contract, as a list holds it (its events' types are checked where it is written). */
// biome-ignore lint/suspicious/noExplicitAny: erases the ABI so handlers of different contracts share a list.
export type AnyIndexerHandler = IndexerHandler<any>;

/** Runs `write` for each log of a run, one after the other (they share the handler's transaction). */
export async function eachLog<L>(logs: readonly L[], write: (log: L) => Promise<unknown>): Promise<void> {
  for (const log of logs) await write(log);
}

/** Settings of an {@link EventIndexer}. */
export type EventIndexerOptions = {
  db: Database;
  publicClient: PublicClient<Transport, Chain>;
  /**
   * Blocks a log must be buried under before it is handled: only blocks ≤ head − confirmations are
   * processed. 0 (default) for chains with instant finality (the embedded chain, QBFT); N for chains
   * that reorganise.
   */
  confirmations?: number;
  /** Blocks per `eth_getLogs` request (default 2,000). */
  blockRange?: bigint;
};

/** The outcome of one handler in a sync. */
export type HandlerFailure = { name: string; error: unknown };

/**
 * Follows contract events into the database: each registered handler has its own cursor (the last
 * block it handled, in `sync_state`), so a restart replays from there and a failing handler neither
 * stops the others nor loses its place (its range is rolled back and retried at the next sync).
 */
export type EventIndexer = {
  /** Registers a handler; its events are handled from its cursor (or `fromBlock`) at the next sync. */
  register<const A extends Abi>(handler: IndexerHandler<A>): void;
  /** Whether a handler of this name is registered. */
  has(name: string): boolean;
  /**
   * Handles every confirmed block up to the chain's head as of this call, handler by handler; answers
   * the last block handled (head − confirmations). Runs one at a time: a call made during a run waits
   * for the next run. Rejects with the first handler's error after every handler has had its turn.
   */
  sync(): Promise<bigint>;
  /** The last block a handler has handled (its `fromBlock` − 1 before its first range). */
  cursor(name: string): Promise<bigint>;
  /** Tells `listener` of each handler failure (e.g. to count it in the metrics). */
  onError(listener: (failure: HandlerFailure) => void): void;
};

/** Creates an {@link EventIndexer}. */
export function createEventIndexer(options: EventIndexerOptions): EventIndexer {
  const { db, publicClient } = options;
  const confirmations = BigInt(options.confirmations ?? 0);
  const blockRange = options.blockRange ?? defaultBlockRange;
  const handlers: IndexerHandler[] = [];
  const listeners: ((failure: HandlerFailure) => void)[] = [];
  let running: Promise<bigint> | undefined;
  let queued: Promise<bigint> | undefined;

  async function cursorOf(handler: Pick<IndexerHandler, "name" | "fromBlock">): Promise<bigint> {
    const { rows } = await db.query<{ block_number: string }>(
      "select block_number::text from sync_state where name = $1",
      [handler.name],
    );
    return rows[0] ? BigInt(rows[0].block_number) : handler.fromBlock - 1n;
  }

  async function dispatch(tx: Queryable, handler: IndexerHandler, logs: IndexedLog<Abi>[]): Promise<void> {
    const on = handler.on as Record<string, EventHandler<Abi, string> | undefined>;
    for (let i = 0; i < logs.length; ) {
      const eventName = logs[i]!.eventName;
      let j = i + 1;
      while (j < logs.length && logs[j]!.eventName === eventName) j++;
      await on[eventName]?.(tx, logs.slice(i, j));
      i = j;
    }
    await handler.after?.(tx);
  }

  /** Brings one handler up to `target`, a range of blocks per transaction. */
  async function follow(handler: IndexerHandler, target: bigint): Promise<void> {
    if (handler.address === undefined) return;
    const address = handler.address;
    const events = handler.abi.filter(
      (item) => item.type === "event" && handler.on[item.name as never] !== undefined,
    );
    let from = (await cursorOf(handler)) + 1n;
    while (from <= target) {
      const to = from + blockRange - 1n < target ? from + blockRange - 1n : target;
      const logs = (await publicClient.getLogs({
        address: address as Address | Address[],
        events: events as never,
        fromBlock: from,
        toBlock: to,
        strict: true,
      })) as unknown as IndexedLog<Abi>[];
      await db.transaction(async (tx) => {
        await dispatch(tx, handler, logs);
        await tx.query(
          `insert into sync_state (name, block_number, updated_at) values ($1, $2, now())
           on conflict (name) do update set block_number = excluded.block_number, updated_at = now()`,
          [handler.name, to.toString()],
        );
      });
      from = to + 1n;
    }
  }

  async function recordFailure(failure: HandlerFailure): Promise<void> {
    for (const listener of listeners) listener(failure);
    const message = failure.error instanceof Error ? failure.error.message : String(failure.error);
    await db
      .query("update sync_state set errors = errors + 1, last_error = $2 where name = $1", [
        failure.name,
        message.slice(0, 2000),
      ])
      .catch(() => undefined);
  }

  async function syncOnce(): Promise<bigint> {
    const head = await publicClient.getBlockNumber({ cacheTime: 0 });
    const target = head - confirmations;
    const failures: HandlerFailure[] = [];
    for (const handler of handlers) {
      try {
        await follow(handler, target);
      } catch (error) {
        failures.push({ name: handler.name, error });
        await recordFailure({ name: handler.name, error });
      }
    }
    if (failures[0]) throw failures[0].error;
    return target;
  }

  function start(): Promise<bigint> {
    running = syncOnce().finally(() => {
      running = undefined;
    });
    return running;
  }

  return {
    register(handler) {
      if (handlers.some((h) => h.name === handler.name)) {
        throw new Error(`an indexer handler named "${handler.name}" is already registered`);
      }
      handlers.push(handler as unknown as IndexerHandler);
    },
    has: (name) => handlers.some((h) => h.name === name),
    sync() {
      if (queued) return queued;
      if (!running) return start();
      queued = running
        .catch(() => undefined)
        .then(() => {
          queued = undefined;
          return start();
        });
      return queued;
    },
    cursor(name) {
      const handler = handlers.find((h) => h.name === name);
      return cursorOf(handler ?? { name, fromBlock: 0n });
    },
    onError(listener) {
      listeners.push(listener);
    },
  };
}
