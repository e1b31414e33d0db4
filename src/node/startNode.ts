import { join } from "node:path";
import type { FastifyInstance, FastifyServerOptions } from "fastify";
import { type AnalyticsConfig, loadAnalyticsConfig } from "../analytics/analyticsConfig.js";
import { createAccessLog, startAccessLogAnchoring } from "../auth/accessLog.js";
import { loadMasterKey } from "../auth/masterKey.js";
import { createProfileStore } from "../auth/profiles.js";
import { serveJsonRpc } from "../chain/embedded/index.js";
import type { NodeConfig } from "../core/config.js";
import { listenWithFallback } from "../core/ports.js";
import { startJobs } from "../jobs/jobsService.js";
import { createMetering, type Metering } from "../metering/metering.js";
import { nodeClientIdPrefix, nodeUsername } from "../metering/mqttAuth.js";
import { startMqttBroker } from "../metering/mqttBroker.js";
import { createMqttIngest } from "../metering/mqttIngest.js";
import { verifySignature } from "../metering/verifyWorker.js";
import { createNodeMetrics } from "../metrics/nodeMetrics.js";
import { deviceStatuses } from "../registry/deviceTypes.js";
import { createServer } from "../server/createServer.js";
import { saveApiToken } from "./apiToken.js";
import { composeEventHandlers, composeJobKinds, composeSchedules, startModules } from "./modules.js";
import { loadOrCreateMqttCredentials } from "./mqttCredentials.js";
import { type InitOptions, type NodeContext, openNode } from "./openNode.js";

/** How often the node closes finished intervals and anchors them. */
const anchorEveryMs = 5_000;

/** A running node: its context, the URLs it serves, and how to stop it. */
export type RunningNode = {
  context: NodeContext;
  apiUrl: string;
  /** JSON-RPC URL of the chain: the embedded chain's own server, or the external network's. */
  rpcUrl: string;
  /** The MQTT broker devices publish readings to: the embedded one's URL, or `--mqtt-url`. */
  mqttUrl: string;
  metering: Metering;
  analytics: AnalyticsConfig;
  app: FastifyInstance;
  stop(): Promise<void>;
};

/**
 * Runs a node: opens (or initialises) its data directory, serves the embedded chain's JSON-RPC on
 * `--rpc-host` (127.0.0.1) and `--rpc-port`, the embedded MQTT broker (`--mqtt-port`, unless `--mqtt-url` names an
 * external one) and the HTTP API (`--port`); ingests readings from MQTT and HTTP and anchors them.
 * A default port that is taken falls back to a free one; an explicitly chosen one that is taken is
 * an error naming the flag.
 */
export async function startNode(
  config: NodeConfig,
  init: InitOptions = {},
  options: {
    logger?: FastifyServerOptions["logger"];
    /** The node's clock in Unix milliseconds (tests move it past a market's gate closure); default `Date.now`. */
    now?: () => number;
  } = {},
): Promise<RunningNode> {
  const analytics = loadAnalyticsConfig(config.analyticsConfig ?? join(config.dataDir, "analytics.json"), {
    required: config.analyticsConfig !== undefined,
  });
  const context = await openNode(config, init, { analytics, now: options.now });
  const closers: (() => Promise<void>)[] = [context.close];
  try {
    let rpcUrl = config.rpcUrl ?? "";
    const { embedded } = context;
    if (embedded) {
      const rpc = await listenWithFallback(config.rpc, (port) =>
        serveJsonRpc(embedded, { host: config.rpcHost, port, cors: config.rpcCors }),
      );
      closers.push(rpc.close);
      rpcUrl = rpc.url;
    }
    const { moduleContext } = context;
    const now = moduleContext.now ?? Date.now;
    const { hooks } = context;
    const unmetered = createMetering({
      db: context.db,
      client: context.client,
      meterAnchor: context.contracts.MeterAnchor,
      operator: context.registry.operator,
      syncIndex: async () => {
        await context.indexer.sync();
      },
      indexedBlock: () => context.indexer.syncedBlock(),
      fromBlock: BigInt(context.state.deployedAtBlock ?? 0),
      anchorGraceSeconds: config.anchorGraceSeconds,
      confirmations: config.confirmations,
      hooks,
    });
    closers.push(() => unmetered.close());
    const metrics = createNodeMetrics({ status: () => unmetered.status() });
    const metering: Metering = { ...unmetered, ingest: metrics.instrumentIngest(unmetered.ingest) };
    // The registry's and the Accounts mirror's handlers are registered when the node opens (its first
    // sync fills the mirror); the other modules' handlers join them here.
    const events = context.indexer.events;
    const chainContext = {
      contracts: context.contracts,
      fromBlock: BigInt(context.state.deployedAtBlock ?? 0),
      hooks,
    };
    for (const handler of composeEventHandlers(chainContext)) {
      if (!events.has(handler.name)) events.register(handler);
    }
    events.onError(({ name, error }) => metrics.countError(`indexer-${name}`, error));
    let mqttUrl = config.mqttUrl ?? "";
    const credentials = await loadOrCreateMqttCredentials(config.dataDir);
    const mqttInfo = {
      url: () => mqttUrl,
      ackPublicKey: credentials.ackKey.publicKey,
      embedded: config.mqttUrl === undefined,
      maxPayloadBytes: config.mqttMaxPayload,
      maxReadingsPerMessage: config.mqttMaxReadings,
    };
    // A device token on POST /v1/readings is checked like an MQTT login: the active device's registered key.
    const verifyDevice = async (id: `0x${string}`, message: Uint8Array, signature: Uint8Array) => {
      const record = (await metering.devices.get([id])).get(id);
      return (
        record !== undefined &&
        record.status === deviceStatuses.active &&
        verifySignature(record.scheme, record.publicKey, signature, message)
      );
    };
    const accessLog = createAccessLog(context.db);
    const app = await createServer(
      {
        ...context,
        metering,
        metrics,
        analytics,
        rpcUrl: () => rpcUrl,
        mqttUrl: () => mqttUrl,
        mqtt: mqttInfo,
        privacy: {
          profiles: createProfileStore(context.db, await loadMasterKey({ dataDir: config.dataDir })),
          accessLog,
        },
        minGroupSize: config.minGroupSize,
        now,
        saveApiToken: (token) => saveApiToken(config.dataDir, token),
        verifyDevice,
      },
      { ...options, limits: config.httpLimits },
    );
    const warn = (what: string) => (error: unknown) => app.log.warn({ err: error }, `${what} failed`);
    if (config.mqttUrl === undefined) {
      const broker = await startMqttBroker({
        host: config.host,
        port: config.mqtt,
        access: {
          device: async (id) => (await metering.devices.get([id])).get(id),
          nodePassword: credentials.nodePassword,
        },
        maxPacketBytes: 4 * config.mqttMaxPayload,
        onError: warn("MQTT broker"),
        // Refusals are what the broker is for; they are logged at info level, not as failures.
        onRefusal: (refusal) => app.log.info({ mqtt: refusal }, `MQTT refused: ${refusal.code}`),
      });
      closers.push(broker.close);
      mqttUrl = broker.url;
    }
    const mqtt = await createMqttIngest({
      url: mqttUrl,
      clientId: `${nodeClientIdPrefix}${context.registry.operator.slice(2, 14).toLowerCase()}`,
      ingest: (readings, ingestOptions) => metering.ingest.submit(readings, ingestOptions),
      ackKey: credentials.ackKey,
      ...(config.mqttUrl === undefined ? { username: nodeUsername, password: credentials.nodePassword } : {}),
      maxPayloadBytes: config.mqttMaxPayload,
      maxReadings: config.mqttMaxReadings,
      onError: warn("MQTT ingest"),
    });
    closers.push(mqtt.close);
    metering.startAnchoring(anchorEveryMs, (error) => {
      metrics.countError("anchoring", error);
      warn("anchoring")(error);
    });
    const accessLogAnchoring = startAccessLogAnchoring({
      accessLog,
      anchor: async (day, head, count) => {
        await context.accounts.anchorAccessLog(day, head as `0x${string}`, count);
      },
      onError: (error) => {
        metrics.countError("access-log", error);
        warn("access log anchoring")(error);
      },
    });
    closers.push(accessLogAnchoring.close);
    await startModules(moduleContext);
    const jobs = startJobs({
      db: context.db,
      kinds: composeJobKinds(moduleContext),
      schedules: composeSchedules(moduleContext),
      workers: config.workers,
      workerId: `node-${context.registry.operator.slice(2, 10).toLowerCase()}-${process.pid}`,
      onError: warn("analysis"),
    });
    closers.push(() => jobs.close());
    closers.push(() => app.close());
    const apiUrl = await listenWithFallback(config.http, (port) => app.listen({ host: config.host, port }));
    return {
      context,
      apiUrl,
      rpcUrl,
      mqttUrl,
      metering,
      analytics,
      app,
      async stop() {
        for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
      },
    };
  } catch (error) {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
    throw error;
  }
}
