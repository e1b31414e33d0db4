import type { FastifyServerOptions } from "fastify";
import { resolveNodeConfig } from "../../src/core/config.js";
import type { DatabaseKind } from "../../src/db/database.js";
import { type DeviceKey, generateDeviceKey, signReading } from "../../src/metering/deviceKey.js";
import { readingToJson, type SignedReading } from "../../src/metering/readingFormat.js";
import type { InitOptions } from "../../src/node/openNode.js";
import { type RunningNode, startNode } from "../../src/node/startNode.js";
import { tempDir } from "./cli.js";
import { createTestPostgresDatabase } from "./database.js";

/** A JSON answer as tests read it: loosely typed, since `expect` checks its shape. */
// biome-ignore lint/suspicious/noExplicitAny: test answers are inspected with expect(), not typed
export type Json = any;

/** A node running in this process on free ports, with helpers to register devices and send readings. */
export type MeteringNode = {
  node: RunningNode;
  dataDir: string;
  post(path: string, body: unknown): Promise<{ status: number; body: Json }>;
  get(path: string): Promise<{ status: number; body: Json }>;
  /** Registers a new device (ed25519 unless said otherwise) and returns its key. */
  device(options?: {
    region?: string;
    kind?: string;
    source?: string;
    scheme?: "ed25519" | "secp256k1";
  }): Promise<DeviceKey>;
  stop(): Promise<void>;
};

/**
 * Starts a node with the embedded chain and broker on free ports, on PGlite or on a fresh PostgreSQL
 * database. The anchoring grace period is long by default, so only an explicit anchoring round
 * (POST /v1/anchors) anchors the test's intervals. `restart()` stops the node and starts it again on
 * the same data directory and database.
 */
export async function startMeteringNode(
  options: {
    flags?: Record<string, string>;
    engine?: DatabaseKind;
    init?: InitOptions;
    /** The node's log (fastify/pino options), e.g. a stream to read what the node reported. */
    logger?: FastifyServerOptions["logger"];
  } = {},
): Promise<MeteringNode & { restart(): Promise<void> }> {
  const dir = await tempDir();
  const pgDatabase = options.engine === "postgres" ? await createTestPostgresDatabase() : undefined;
  const config = resolveNodeConfig(
    {
      dataDir: dir.dir,
      port: "0",
      rpcPort: "0",
      mqttPort: "0",
      anchorGrace: "10000000",
      databaseUrl: pgDatabase?.url,
      ...options.flags,
    },
    {},
  );
  let node = await startNode(config, options.init, { logger: options.logger });
  const request = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${node.apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${node.context.apiToken}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  };
  const regions = new Map<string, Promise<void>>();
  return {
    get node() {
      return node;
    },
    dataDir: dir.dir,
    post: (path, body) => request("POST", path, body),
    get: (path) => request("GET", path),
    async device(deviceOptions = {}) {
      const region = deviceOptions.region ?? "CN-GD";
      // One approval per region, also when devices are made concurrently (a second would be refused).
      let approved = regions.get(region);
      if (approved === undefined) {
        approved = (async () => {
          await node.context.indexer.sync();
          if (await node.context.store.getRegion(region)) return;
          await node.context.registry.propose({
            kind: "approve-region",
            code: region,
            nameZh: region,
            nameEn: region,
          });
        })();
        regions.set(region, approved);
      }
      await approved;
      await node.context.indexer.sync();
      const key = generateDeviceKey(deviceOptions.scheme ?? "ed25519");
      const registered = await request("POST", "/v1/devices", {
        devices: [
          {
            region,
            kind: deviceOptions.kind ?? "bidirectional",
            source: deviceOptions.source,
            scheme: key.scheme,
            publicKey: Buffer.from(key.publicKey).toString("hex"),
          },
        ],
      });
      if (registered.status !== 200)
        throw new Error(`device registration failed: ${JSON.stringify(registered.body)}`);
      return key;
    },
    async restart() {
      await node.stop();
      node = await startNode(config, options.init, { logger: options.logger });
    },
    async stop() {
      await node.stop();
      await pgDatabase?.drop();
      await dir.cleanup();
    },
  };
}

/** Start of the 15-minute interval `intervalsAgo` intervals before the current one. */
export function intervalAgo(intervalsAgo: number, duration = 900): bigint {
  const now = Math.floor(Date.now() / 1000);
  return BigInt(now - (now % duration) - intervalsAgo * duration);
}

/**
 * Consecutive, consistent signed readings of a device: seq `firstSeq`…, one per interval from
 * `start`, each importing `importDelta` Wh and exporting `exportDelta` Wh.
 */
export function readingSeries(
  key: DeviceKey,
  options: {
    start: bigint;
    count: number;
    firstSeq?: bigint;
    importDelta?: bigint;
    exportDelta?: bigint;
    commodity?: number;
    registersBefore?: [bigint, bigint];
  },
): SignedReading[] {
  const readings: SignedReading[] = [];
  let [importRegister, exportRegister] = options.registersBefore ?? [1_000_000n, 0n];
  for (let i = 0; i < options.count; i++) {
    const importDelta = options.importDelta ?? 250n;
    const exportDelta = options.exportDelta ?? 0n;
    importRegister += importDelta;
    exportRegister += exportDelta;
    readings.push(
      signReading(key, {
        seq: (options.firstSeq ?? 1n) + BigInt(i),
        intervalStart: options.start + BigInt(i * 900),
        duration: 900,
        commodity: options.commodity ?? 1,
        quality: 0,
        importRegister,
        exportRegister,
        importDelta,
        exportDelta,
      }),
    );
  }
  return readings;
}

/** JSON form of readings, as a device sends them. */
export const asJson = (readings: readonly SignedReading[]) => readings.map(readingToJson);
