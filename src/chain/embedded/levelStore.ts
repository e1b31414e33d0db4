import type { BatchDBOp, DB, DBObject, EncodingOpts } from "@ethereumjs/util";
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from "@ethereumjs/util";
import { ClassicLevel } from "classic-level";
import { BaseError } from "../../core/errors.js";

/**
 * One-byte key prefixes of the tables kept in the chain's LevelDB. Everything lives in one database so
 * that a mined block (state nodes, block, receipts, indexes, head pointers) is written by one atomic batch.
 */
export const Table = {
  /** Meta data: chain id, genesis block, time offset. */
  Meta: 0x6d, // m
  /** State trie nodes and contract code (MerklePatriciaTrie / MerkleStateManager). */
  State: 0x73, // s
  /** @ethereumjs/blockchain: headers, bodies, lookups, head pointers. */
  Blocks: 0x62, // b
  /** Receipts of a block, keyed by block number. */
  Receipts: 0x72, // r
  /** Transaction hash -> (block number, index). */
  TxIndex: 0x74, // t
  /** Logs keyed by (block number, log index). */
  Logs: 0x6c, // l
  /** Log index keyed by (address, block number, log index), value empty. */
  LogsByAddress: 0x61, // a
} as const;

/** Key with a table prefix. */
export function tableKey(table: number, ...parts: Uint8Array[]): Uint8Array {
  return concatBytes(Uint8Array.of(table), ...parts);
}

/** 8-byte big-endian encoding of a block number, so that keys sort by number. */
export function uint64Key(value: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, value);
  return out;
}

/** 4-byte big-endian encoding of an index inside a block. */
export function uint32Key(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value);
  return out;
}

/** Reads an 8-byte big-endian number at `offset`. */
export function readUint64(bytes: Uint8Array, offset: number): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(offset);
}

/** Reads a 4-byte big-endian number at `offset`. */
export function readUint32(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset);
}

/** The chain's LevelDB with binary keys and values. */
export type ChainLevel = ClassicLevel<Uint8Array, Uint8Array>;

/** Opens (creating if needed) the LevelDB under `location`; a second process on the same directory is refused. */
export async function openChainLevel(location: string): Promise<ChainLevel> {
  const level = new ClassicLevel<Uint8Array, Uint8Array>(location, {
    keyEncoding: "view",
    valueEncoding: "view",
  });
  try {
    await level.open();
  } catch (error) {
    const locked = (error as { cause?: { code?: string } }).cause?.code === "LEVEL_LOCKED";
    throw new BaseError(
      locked ? "CHAIN_DATA_DIR_LOCKED" : "CHAIN_DATA_DIR_UNAVAILABLE",
      locked
        ? `chain data directory ${location} is in use by another process`
        : `cannot open chain data directory ${location}`,
      { details: { location }, cause: error },
    );
  }
  return level;
}

/**
 * Buffers every write of one block in memory and reads through to LevelDB. `commit` writes the buffered
 * writes plus any extra operations with one atomic LevelDB batch; `discard` forgets them. This is what
 * makes a block, its state and its receipts appear on disk together or not at all.
 */
export class WriteBuffer {
  readonly level: ChainLevel;
  private readonly pending = new Map<string, { key: Uint8Array; value: Uint8Array | undefined }>();

  constructor(level: ChainLevel) {
    this.level = level;
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    const entry = this.pending.get(bytesToHex(key));
    if (entry !== undefined) return entry.value;
    // Synchronous reads skip a thread-pool round trip per trie node; LevelDB serves them from its cache.
    return this.level.getSync(key);
  }

  put(key: Uint8Array, value: Uint8Array): void {
    this.pending.set(bytesToHex(key), { key, value });
  }

  del(key: Uint8Array): void {
    this.pending.set(bytesToHex(key), { key, value: undefined });
  }

  /** Number of buffered writes. */
  get size(): number {
    return this.pending.size;
  }

  /** Writes the buffered writes atomically and empties the buffer. */
  async commit(): Promise<void> {
    if (this.pending.size === 0) return;
    const ops: Array<{ type: "put"; key: Uint8Array; value: Uint8Array } | { type: "del"; key: Uint8Array }> =
      [];
    for (const { key, value } of this.pending.values()) {
      ops.push(value === undefined ? { type: "del", key } : { type: "put", key, value });
    }
    await this.level.batch(ops);
    this.pending.clear();
  }

  /** Forgets the buffered writes. */
  discard(): void {
    this.pending.clear();
  }
}

/**
 * The `DB` the state trie (`@ethereumjs/mpt`) writes to: keys are node hashes as unprefixed hex strings
 * (or code keys), values raw bytes (the trie is created with `valueEncoding: "view"`).
 */
export function createStateDb(buffer: WriteBuffer): DB<string, string | Uint8Array> {
  const key = (hex: string): Uint8Array => tableKey(Table.State, hexToBytes(`0x${hex}`));
  const db: DB<string, string | Uint8Array> = {
    get: (k) => buffer.get(key(k)),
    put: async (k, value) => buffer.put(key(k), toBytes(value)),
    del: async (k) => buffer.del(key(k)),
    batch: async (ops) => {
      for (const op of ops) {
        if (op.type === "put") buffer.put(key(op.key), toBytes(op.value));
        else buffer.del(key(op.key));
      }
    },
    shallowCopy: () => db,
    open: async () => {},
  };
  return db;
}

function toBytes(value: string | Uint8Array): Uint8Array {
  return typeof value === "string" ? hexToBytes(`0x${value}`) : value;
}

type BlockchainKey = Uint8Array | string | number;
type BlockchainValue = Uint8Array | string | DBObject;

/**
 * The `DB` `@ethereumjs/blockchain` writes to. Its keys are bytes or ASCII names (`LastBlock`), its values
 * bytes or JSON (the `heads` record), chosen per call through `EncodingOpts`.
 */
export function createBlockchainDb(buffer: WriteBuffer): DB<BlockchainKey, BlockchainValue> {
  const key = (k: BlockchainKey): Uint8Array =>
    tableKey(Table.Blocks, k instanceof Uint8Array ? k : utf8ToBytes(String(k)));
  const encode = (value: BlockchainValue, opts?: EncodingOpts): Uint8Array => {
    if (value instanceof Uint8Array) return value;
    if (opts?.valueEncoding === "json" || typeof value !== "string")
      return utf8ToBytes(JSON.stringify(value));
    return utf8ToBytes(value);
  };
  const db: DB<BlockchainKey, BlockchainValue> = {
    get: async (k, opts) => {
      const raw = await buffer.get(key(k));
      if (raw === undefined) return undefined;
      if (opts?.valueEncoding === "json") return JSON.parse(new TextDecoder().decode(raw)) as DBObject;
      if (opts?.valueEncoding === "string") return new TextDecoder().decode(raw);
      return raw;
    },
    put: async (k, value, opts) => buffer.put(key(k), encode(value, opts)),
    del: async (k) => buffer.del(key(k)),
    batch: async (ops: BatchDBOp<BlockchainKey, BlockchainValue>[]) => {
      for (const op of ops) {
        if (op.type === "put") buffer.put(key(op.key), encode(op.value, op.opts));
        else buffer.del(key(op.key));
      }
    },
    shallowCopy: () => db,
    open: async () => {},
  };
  return db;
}
