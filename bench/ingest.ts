// End-to-end reading ingest of one node: signed readings of many devices sent over HTTP (collectors
// posting batches) and over MQTT (meters publishing one reading per message), each acknowledged only
// once stored. Beside it, in the same run: the single-core Ed25519 verification rate, the number of
// cores, a 1M-leaf Merkle tree build and proof verification.
//
//   npm run bench:ingest [-- --devices N --readings N]      (DATABASE_URL=postgres://… for PostgreSQL)
//
// The last line is JSON: {"readingsPerSecond", "verifyPerSecondSingleCore", "cores", "ratio",
// "denominator", …}, where ratio = readingsPerSecond ÷ (cores × the per-core Ed25519 verify rate), that rate
// being OpenSSL's (`openssl speed -seconds 3 ed25519`, run in the same session) when openssl is on the
// machine ("denominator": "openssl"), else node:crypto's ("node").
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import mqtt from "mqtt";
import { zeroAddress } from "viem";
import { resolveNodeConfig } from "../src/core/config.js";
import { type DeviceKey, generateDeviceKey, signReading } from "../src/metering/deviceKey.js";
import { auditPathIn, leafHash, merkleLevels, verifyInclusion } from "../src/metering/merkleTree.js";
import { deviceCredentials } from "../src/metering/mqttAuth.js";
import { encodeReading, type ReadingJson, readingToJson } from "../src/metering/readingFormat.js";
import { packSignatureItems } from "../src/metering/verifyPool.js";
import { verifyPacked } from "../src/metering/verifyWorker.js";
import { startNode } from "../src/node/startNode.js";

const { values } = parseArgs({
  options: {
    devices: { type: "string", default: "1000" },
    readings: { type: "string", default: "60000" },
    leaves: { type: "string", default: "1000000" },
  },
});
const deviceCount = Number(values.devices);
const readingCount = Number(values.readings);
const cores = availableParallelism();
const log = (line: string) => console.log(line);

/** Posts the bodies from a worker thread, `concurrency` at a time; resolves with the readings accepted. */
function postFromWorker(
  url: string,
  bodies: string[],
  concurrency: number,
  authorization: string,
): Promise<number> {
  const source = `
    const { parentPort, workerData } = require("node:worker_threads");
    const { url, bodies, concurrency, authorization } = workerData;
    let next = 0, accepted = 0;
    Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization }, body: bodies[next++] });
        for (const result of (await response.json()).results) {
          if (result.status !== "accepted") throw new Error("HTTP reading refused: " + JSON.stringify(result));
          accepted++;
        }
      }
    })).then(() => parentPort.postMessage({ accepted }), (error) => parentPort.postMessage({ error: String(error) }));`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(source, {
      eval: true,
      workerData: { url, bodies, concurrency, authorization },
    });
    worker.once("message", (answer: { accepted?: number; error?: string }) => {
      void worker.terminate();
      if (answer.error) reject(new Error(answer.error));
      else resolve(answer.accepted!);
    });
    worker.once("error", reject);
  });
}

// 1. Single-core verification rate of the verifier the node's worker threads run.
const keys: DeviceKey[] = Array.from({ length: deviceCount }, () => generateDeviceKey());
function readingsFor(
  round: number,
  perDevice: number,
): { json: ReadingJson; message: Uint8Array; key: DeviceKey; signature: Uint8Array }[] {
  const out = [];
  const now = Math.floor(Date.now() / 1000);
  const firstStart = now - (now % 900) - (perDevice * (round + 1) + 1) * 900;
  for (let i = 0; i < perDevice; i++) {
    for (const [d, key] of keys.entries()) {
      const seq = BigInt(round * perDevice + i + 1);
      const reading = signReading(key, {
        seq,
        intervalStart: BigInt(firstStart + i * 900),
        duration: 900,
        commodity: 1,
        quality: 0,
        importRegister: 1_000_000n + seq * 100n + BigInt(d),
        exportRegister: 0n,
        importDelta: seq === 1n ? 0n : 100n,
        exportDelta: 0n,
      });
      out.push({
        json: readingToJson(reading),
        message: encodeReading(reading),
        key,
        signature: reading.signature,
      });
    }
  }
  return out;
}

const perDevice = Math.max(1, Math.floor(readingCount / deviceCount / 2));
log(`signing ${perDevice * deviceCount * 2} readings of ${deviceCount} devices…`);
const httpReadings = readingsFor(0, perDevice);
const mqttReadings = readingsFor(1, perDevice);

const sample = httpReadings.slice(0, 20_000).map((r) => ({
  scheme: 1,
  publicKey: r.key.publicKey,
  signature: r.signature,
  message: r.message,
}));
const packed = packSignatureItems(sample);
verifyPacked(packed.slice(0, 188 * 500), 500); // warm the key cache and the JIT
const verifyStart = performance.now();
const ok = verifyPacked(packed, sample.length);
const verifyPerSecondSingleCore = Math.round(sample.length / ((performance.now() - verifyStart) / 1000));
if (ok.some((v) => v !== 1)) throw new Error("a benchmark signature did not verify");
log(`cores:                          ${cores}`);
log(`Ed25519 verify, one core:       ${verifyPerSecondSingleCore}/s (node:crypto)`);
const opensslVerifyPerSecond = opensslEd25519VerifyRate();
if (opensslVerifyPerSecond !== undefined) {
  log(`Ed25519 verify, one core:       ${opensslVerifyPerSecond}/s (openssl speed)`);
}
const denominator = opensslVerifyPerSecond === undefined ? "node" : "openssl";
const perCoreLimit = opensslVerifyPerSecond ?? verifyPerSecondSingleCore;

// 2. A node with its embedded chain, database and broker; the devices registered on chain.
const dir = await mkdtemp(join(tmpdir(), "gridledger-bench-"));
const node = await startNode(
  resolveNodeConfig(
    { dataDir: dir, port: "0", rpcPort: "0", mqttPort: "0", anchorGrace: "100000000" },
    process.env,
  ),
);
try {
  const { context } = node;
  await context.registry.propose({
    kind: "approve-region",
    code: "CN-GD",
    nameZh: "广东省",
    nameEn: "Guangdong",
  });
  await context.indexer.sync();
  const region = (await context.store.getRegion("CN-GD"))!;
  log(`registering ${deviceCount} devices on chain…`);
  await context.registry.registerDevices(
    keys.map((key) => ({
      scheme: 1,
      publicKey: `0x${Buffer.from(key.publicKey).toString("hex")}` as const,
      owner: context.registry.operator,
      regionId: region.regionId as `0x${string}`,
      kind: 1,
      source: 0,
      capacityW: 10_000n,
      community: zeroAddress,
    })),
  );
  await context.indexer.sync();
  log(`database: ${context.db.kind}`);

  // 3. HTTP: collectors post 1,000 readings per request, 16 requests in flight. They run on a worker
  // thread, as collectors are other programs: the node's own thread does only the node's work.
  const perRequest = 1_000;
  const bodies: string[] = [];
  for (let i = 0; i < httpReadings.length; i += perRequest) {
    bodies.push(JSON.stringify({ readings: httpReadings.slice(i, i + perRequest).map((r) => r.json) }));
  }
  const httpStart = performance.now();
  // Collectors authenticate with an API key: here the node's bootstrap admin key.
  const accepted = await postFromWorker(
    `${node.apiUrl}/v1/readings`,
    bodies,
    16,
    `Bearer ${context.apiToken}`,
  );
  const httpSeconds = (performance.now() - httpStart) / 1000;
  const httpPerSecond = Math.round(accepted / httpSeconds);
  log(`HTTP:  ${accepted} readings in ${httpSeconds.toFixed(1)} s = ${httpPerSecond} readings/s`);

  // 4. MQTT: each meter logs in as itself (its signed token), subscribes to its own acks and publishes
  // one reading per message (QoS 1); done when every ack has come back. Logins are made before the clock.
  const now = Math.floor(Date.now() / 1000);
  const clientOf = new Map<string, mqtt.MqttClient>();
  const clients: mqtt.MqttClient[] = [];
  for (let i = 0; i < keys.length; i += 50) {
    const batch = await Promise.all(
      keys.slice(i, i + 50).map(async (key) => {
        const credentials = deviceCredentials(key, now);
        const client = await mqtt.connectAsync(node.mqttUrl, { ...credentials, reconnectPeriod: 0 });
        await client.subscribeAsync(`gridledger/v1/acks/${key.deviceId.slice(2)}`, { qos: 0 });
        clientOf.set(key.deviceId.slice(2), client);
        return client;
      }),
    );
    clients.push(...batch);
  }
  let acked = 0;
  const allAcked = new Promise<void>((resolve, reject) => {
    for (const client of clients) {
      client.on("message", (_topic, payload) => {
        for (const result of (JSON.parse(payload.toString()) as { results: { status: string }[] }).results) {
          if (result.status !== "accepted") reject(new Error(`MQTT reading refused: ${payload}`));
          if (++acked === mqttReadings.length) resolve();
        }
      });
    }
  });
  const mqttStart = performance.now();
  let published = 0;
  for (const reading of mqttReadings) {
    const client = clientOf.get(reading.json.deviceId)!;
    client.publish(`gridledger/v1/readings/${reading.json.deviceId}`, JSON.stringify(reading.json), {
      qos: 1,
    });
    // Let the sockets drain now and then, as a fleet of meters would not send in one burst.
    if (++published % 2_000 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  await allAcked;
  const mqttSeconds = (performance.now() - mqttStart) / 1000;
  const mqttPerSecond = Math.round(mqttReadings.length / mqttSeconds);
  log(`MQTT:  ${mqttReadings.length} readings in ${mqttSeconds.toFixed(1)} s = ${mqttPerSecond} readings/s`);
  await Promise.all(clients.map((client) => client.endAsync()));

  // 5. Anchoring what was ingested.
  const anchorStart = performance.now();
  const round = await node.metering.anchorer.run({ all: true });
  log(
    `anchor: ${round.built} batches built and ${round.anchored} anchored in ${((performance.now() - anchorStart) / 1000).toFixed(1)} s`,
  );

  // 6. A 1M-leaf tree and its proofs.
  const leafCount = Number(values.leaves);
  const leafInput = randomBytes(154);
  const treeStart = performance.now();
  const leaves = Array.from({ length: leafCount }, (_, i) => {
    leafInput.writeUInt32BE(i, 0);
    return leafHash(leafInput);
  });
  const levels = merkleLevels(leaves);
  const root = levels.at(-1)![0]!;
  const treeSeconds = (performance.now() - treeStart) / 1000;
  const paths = Array.from({ length: 20 }, (_, i) => {
    const index = Math.floor((i * leafCount) / 20) + i;
    return { index, path: auditPathIn(levels, index) };
  });
  const proofStart = performance.now();
  const proofRounds = 10_000;
  for (let i = 0; i < proofRounds; i++) {
    const { index, path } = paths[i % paths.length]!;
    if (!verifyInclusion(leaves[index]!, index, leafCount, path, root)) throw new Error("proof failed");
  }
  const proofMicros = ((performance.now() - proofStart) * 1000) / proofRounds;
  log(`tree:  ${leafCount} leaves hashed and built in ${treeSeconds.toFixed(2)} s`);
  log(`proof: ${paths[0]!.path.length} hashes, verified in ${proofMicros.toFixed(1)} µs`);

  const readingsPerSecond = Math.max(httpPerSecond, mqttPerSecond);
  const ratio = Number((readingsPerSecond / (cores * perCoreLimit)).toFixed(3));
  log(`ratio: ${readingsPerSecond} ÷ (${cores} × ${perCoreLimit} ${denominator}) = ${ratio} (target ≥ 0.7)`);
  console.log(
    JSON.stringify({
      readingsPerSecond,
      verifyPerSecondSingleCore,
      cores,
      ratio,
      denominator,
      opensslVerifyPerSecondSingleCore: opensslVerifyPerSecond ?? null,
      httpReadingsPerSecond: httpPerSecond,
      mqttReadingsPerSecond: mqttPerSecond,
      database: context.db.kind,
      devices: deviceCount,
      treeLeaves: leafCount,
      treeBuildSeconds: Number(treeSeconds.toFixed(2)),
      proofVerifyMicroseconds: Number(proofMicros.toFixed(1)),
    }),
  );
} finally {
  await node.stop();
  await rm(dir, { recursive: true, force: true });
}

/** OpenSSL's single-core Ed25519 verifications per second (`openssl speed`), or undefined without openssl. */
function opensslEd25519VerifyRate(): number | undefined {
  const run = spawnSync("openssl", ["speed", "-seconds", "3", "ed25519"], { encoding: "utf8" });
  if (run.status !== 0) return undefined;
  // "253 bits EdDSA (Ed25519)   0.0001s   0.0001s  18627.6   7102.2": the last column is verify/s.
  const line = run.stdout.split("\n").find((l) => /\(Ed25519\)/.test(l));
  const rate = Number(line?.trim().split(/\s+/).at(-1));
  return Number.isFinite(rate) && rate > 0 ? Math.round(rate) : undefined;
}
