import type { LogQuery } from "./receiptStore.js";
import { invalidParams } from "./rpcErrors.js";
import { parseAddress, parseBlockRef, parseHash } from "./rpcFormat.js";

/** A parsed `eth_getLogs` filter: either a block range or a single block hash. */
export type LogFilter = Omit<LogQuery, "fromBlock" | "toBlock"> &
  ({ blockHash: Uint8Array } | { fromBlock: bigint | "latest"; toBlock: bigint | "latest" });

function rangeEnd(value: unknown, field: string): bigint | "latest" {
  const ref = parseBlockRef(value ?? "latest", field);
  if (ref === "latest") return "latest";
  if ("hash" in ref) throw invalidParams(`invalid ${field}: expected a block number or tag`);
  return ref.number;
}

function parseTopics(value: unknown): Array<Uint8Array[] | null> {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidParams("invalid topics: expected an array");
  if (value.length > 4) throw invalidParams("invalid topics: at most 4 topic positions");
  return value.map((position, i) => {
    if (position === null) return null;
    if (Array.isArray(position)) {
      // An empty list or a null inside an OR list matches anything (geth).
      if (position.length === 0 || position.includes(null)) return null;
      return position.map((topic, j) => parseHash(topic, `topics[${i}][${j}]`));
    }
    return [parseHash(position, `topics[${i}]`)];
  });
}

function parseAddresses(value: unknown): Uint8Array[] | undefined {
  if (value === undefined || value === null) return undefined;
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) return undefined;
  const unique = new Map<string, Uint8Array>();
  list.forEach((address, i) => {
    const bytes = parseAddress(address, `address[${i}]`);
    unique.set(Buffer.from(bytes).toString("hex"), bytes);
  });
  return [...unique.values()];
}

/**
 * Parses the `eth_getLogs` filter object: `fromBlock`/`toBlock` (default `latest`) or `blockHash`,
 * `address` (one or a list), `topics` (per position: null = any, a topic, or a list of alternatives).
 */
export function parseLogFilter(value: unknown): LogFilter {
  if (typeof value !== "object" || value === null) throw invalidParams("invalid filter: expected an object");
  const filter = value as Record<string, unknown>;
  const common = { addresses: parseAddresses(filter.address), topics: parseTopics(filter.topics) };
  if (filter.blockHash !== undefined && filter.blockHash !== null) {
    if (filter.fromBlock !== undefined || filter.toBlock !== undefined) {
      throw invalidParams("invalid filter: blockHash cannot be combined with fromBlock or toBlock");
    }
    return { ...common, blockHash: parseHash(filter.blockHash, "blockHash") };
  }
  return {
    ...common,
    fromBlock: rangeEnd(filter.fromBlock, "fromBlock"),
    toBlock: rangeEnd(filter.toBlock, "toBlock"),
  };
}
