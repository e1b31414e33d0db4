import type { DeviceRecord } from "./readingChecks.js";
import type { ReadingStore } from "./readingStore.js";

/** Registered devices as ingest sees them, cached briefly so a busy node does not query per reading. */
export type DeviceDirectory = {
  get(deviceIds: readonly `0x${string}`[]): Promise<Map<string, DeviceRecord>>;
  /** Forgets cached devices (after the registry index changed). */
  clear(): void;
};

/**
 * Looks devices up in the registry index. Entries are cached for `ttlMs` (default 5 s), so a
 * suspension takes effect within that time after the index has it. An unknown device triggers a
 * sync of the index from the chain before it is refused, so a device registered a moment ago is
 * accepted; concurrent lookups share one sync, and a sync with no new block costs one request.
 */
export function createDeviceDirectory(options: {
  store: ReadingStore;
  syncIndex: () => Promise<void>;
  ttlMs?: number;
  now?: () => number;
}): DeviceDirectory {
  const { store, syncIndex } = options;
  const ttl = options.ttlMs ?? 5_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { record: DeviceRecord; at: number }>();
  let syncing: Promise<void> | undefined;
  const sync = () => {
    syncing ??= syncIndex().finally(() => {
      syncing = undefined;
    });
    return syncing;
  };

  async function load(ids: readonly string[], found: Map<string, DeviceRecord>): Promise<string[]> {
    if (ids.length === 0) return [];
    const records = await store.devices(ids);
    const at = now();
    for (const [id, record] of records) {
      cache.set(id, { record, at });
      found.set(id, record);
    }
    return ids.filter((id) => !records.has(id));
  }

  return {
    async get(deviceIds) {
      const found = new Map<string, DeviceRecord>();
      const stale: string[] = [];
      const at = now();
      for (const id of deviceIds) {
        const entry = cache.get(id);
        if (entry && at - entry.at < ttl) found.set(id, entry.record);
        else stale.push(id);
      }
      const unknown = await load(stale, found);
      if (unknown.length > 0) {
        await sync();
        await load(unknown, found);
      }
      if (cache.size > 1_000_000) cache.clear();
      return found;
    },
    clear() {
      cache.clear();
    },
  };
}
