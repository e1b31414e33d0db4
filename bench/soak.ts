// Soak: a node takes signed readings over HTTP at a fixed rate for a long time while it batches,
// anchors and rolls them up as usual; its memory is sampled throughout and must stay flat.
//
//   npm run bench:soak [-- --rate 2000 --duration 10m --devices 2000 --every 5 --per-request 200]
//   (env GRIDLEDGER_SOAK_RATE, GRIDLEDGER_SOAK_DURATION, GRIDLEDGER_SOAK_DEVICES; DATABASE_URL=postgres://…
//   for PostgreSQL, else PGlite in a temporary data directory)
//
// Every `--every` seconds it prints RSS and heapUsed (MB) and the readings sent and accepted; at the end
// the slope of each (MB/min, least squares over the second half of the run, after warm-up) and, last, a
// JSON line. The devices sign and post from a worker thread (collectors are other programs): heapUsed is
// the node's own heap; RSS is the whole process's, the sender's included.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import { zeroAddress } from "viem";
import { resolveNodeConfig } from "../src/core/config.js";
import { startNode } from "../src/node/startNode.js";

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: process.env.GRIDLEDGER_SOAK_RATE ?? "2000" },
    duration: { type: "string", default: process.env.GRIDLEDGER_SOAK_DURATION ?? "10m" },
    devices: { type: "string", default: process.env.GRIDLEDGER_SOAK_DEVICES ?? "2000" },
    every: { type: "string", default: "5" },
    "per-request": { type: "string", default: "200" },
  },
});

/** Seconds from `600`, `600s`, `10m` or `1h`. */
function seconds(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(text.trim());
  if (!match) throw new Error(`--duration takes seconds or a number with s, m or h, got "${text}"`);
  return Number(match[1]) * ({ s: 1, m: 60, h: 3600 }[match[2] as "s" | "m" | "h"] ?? 1);
}
const rate = Number(values.rate);
const durationSeconds = seconds(values.duration);
const deviceCount = Number(values.devices);
const everySeconds = Number(values.every);
const perRequest = Number(values["per-request"]);
for (const [name, value] of Object.entries({ rate, deviceCount, everySeconds, perRequest })) {
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
}

// Readings are back-dated, one 15-minute interval per device and round, so that every reading is in
// the past when it is sent and intervals close (and are anchored) as the run goes on.
const perDevice = Math.ceil((rate * durationSeconds) / deviceCount) + 1;
const nowSeconds = Math.floor(Date.now() / 1000);
const firstStart = nowSeconds - (nowSeconds % 900) - (perDevice + 2) * 900;

/**
 * The sender: makes Ed25519 device keys, then signs readings (wire format v1, docs/reading-format.md)
 * and posts them `perRequest` at a time so that `rate` readings per second go out on average, with at
 * most 16 requests in flight. Plain JavaScript, so the worker needs no TypeScript loader.
 */
const senderSource = `
const { parentPort, workerData } = require("node:worker_threads");
const crypto = require("node:crypto");
const { devices, rate, durationSeconds, perRequest, perDevice, firstStart } = workerData;
const keys = Array.from({ length: devices }, () => {
  const { privateKey, publicKey } = crypto.generateKeyPairSync("ed25519");
  const raw = publicKey.export({ format: "der", type: "spki" }).subarray(-32);
  return { privateKey, raw, id: crypto.createHash("sha256").update(raw).digest() };
});
parentPort.postMessage({ type: "keys", publicKeys: keys.map((k) => k.raw.toString("hex")) });
let next = 0; // readings made so far: device next % devices, round floor(next / devices)
function reading() {
  const d = next % devices, round = Math.floor(next / devices);
  next++;
  const key = keys[d];
  const seq = BigInt(round + 1);
  const importRegister = 1000000n + seq * 100n;
  const m = Buffer.alloc(90);
  m.write("GLR1", 0, "ascii");
  key.id.copy(m, 4);
  m.writeBigUInt64BE(seq, 36);
  m.writeBigInt64BE(BigInt(firstStart + round * 900), 44);
  m.writeUInt32BE(900, 52);
  m.writeUInt8(1, 56);
  m.writeUInt8(0, 57);
  m.writeBigUInt64BE(importRegister, 58);
  m.writeBigUInt64BE(0n, 66);
  m.writeBigUInt64BE(100n, 74);
  m.writeBigUInt64BE(0n, 82);
  return {
    v: 1, deviceId: key.id.toString("hex"), seq: seq.toString(), intervalStart: firstStart + round * 900,
    duration: 900, commodity: "electricity", quality: "measured", importRegister: importRegister.toString(),
    exportRegister: "0", importDelta: "100", exportDelta: "0",
    signature: crypto.sign(null, m, key.privateKey).toString("hex"),
  };
}
const stats = { sent: 0, accepted: 0, rejected: 0, failed: 0, inFlight: 0, codes: {} };
parentPort.on("message", async (message) => {
  if (message.type !== "go") return;
  const { url } = message;
  const start = performance.now();
  const total = Math.floor(rate * durationSeconds);
  const report = setInterval(() => parentPort.postMessage({ type: "stats", stats }), 1000);
  async function post(body, count) {
    stats.inFlight++;
    try {
      const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
      const answer = await response.json();
      if (!response.ok) {
        const code = answer.error?.code ?? "HTTP_" + response.status;
        stats.failed += count;
        stats.codes[code] = (stats.codes[code] ?? 0) + 1;
        return;
      }
      for (const result of answer.results) {
        if (result.status === "rejected") { stats.rejected++; stats.codes[result.code] = (stats.codes[result.code] ?? 0) + 1; }
        else stats.accepted++;
      }
    } catch {
      stats.failed += count;
      stats.codes.NETWORK = (stats.codes.NETWORK ?? 0) + 1;
    } finally {
      stats.inFlight--;
    }
  }
  const pending = new Set();
  // Fixed rate for a fixed time: a node that cannot keep up shows as an achieved rate below the target.
  while (stats.sent < total && next < devices * perDevice && performance.now() - start < durationSeconds * 1000) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
    if (stats.sent + perRequest > due || pending.size >= 16) {
      await (pending.size >= 16 ? Promise.race(pending) : new Promise((r) => setTimeout(r, 10)));
      continue;
    }
    const readings = Array.from({ length: perRequest }, reading);
    stats.sent += readings.length;
    const p = post(JSON.stringify({ readings }), readings.length).finally(() => pending.delete(p));
    pending.add(p);
  }
  await Promise.all(pending);
  clearInterval(report);
  parentPort.postMessage({ type: "done", stats, seconds: (performance.now() - start) / 1000 });
});
`;

type SenderStats = {
  sent: number;
  accepted: number;
  rejected: number;
  failed: number;
  inFlight: number;
  codes: Record<string, number>;
};
type Sample = { t: number; rssMB: number; heapMB: number; sent: number; accepted: number };

const mb = (bytes: number) => Number((bytes / 1024 / 1024).toFixed(1));

/** Least-squares slope of y over x (per x unit), or 0 with fewer than two points. */
function slope(points: readonly [number, number][]): number {
  if (points.length < 2) return 0;
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

const dir = await mkdtemp(join(tmpdir(), "gridledger-soak-"));
const node = await startNode(
  resolveNodeConfig({ dataDir: dir, port: "0", rpcPort: "0", mqttPort: "0" }, process.env),
);
const sender = new Worker(senderSource, {
  eval: true,
  workerData: { devices: deviceCount, rate, durationSeconds, perRequest, perDevice, firstStart },
});
// Listened to at once: the sender makes its keys while the node approves the region.
const keysMade = new Promise<string[]>((resolve, reject) => {
  sender.once("error", reject);
  sender.once("message", (message: { type: string; publicKeys: string[] }) => resolve(message.publicKeys));
});
try {
  const { context } = node;
  console.log(
    `database: ${context.db.kind}; ${deviceCount} devices, ${rate} readings/s for ${durationSeconds} s`,
  );
  await context.registry.propose({
    kind: "approve-region",
    code: "CN-GD",
    nameZh: "广东省",
    nameEn: "Guangdong",
  });
  await context.indexer.sync();
  const region = (await context.store.getRegion("CN-GD"))!;
  const publicKeys = await keysMade;
  console.log(`registering ${publicKeys.length} devices on chain…`);
  await context.registry.registerDevices(
    publicKeys.map((hex) => ({
      scheme: 1,
      publicKey: `0x${hex}` as const,
      owner: context.registry.operator,
      regionId: region.regionId as `0x${string}`,
      kind: 1,
      source: 0,
      capacityW: 10_000n,
      community: zeroAddress,
    })),
  );
  await context.indexer.sync();

  let latest: SenderStats = { sent: 0, accepted: 0, rejected: 0, failed: 0, inFlight: 0, codes: {} };
  const finished = new Promise<{ stats: SenderStats; seconds: number }>((resolve, reject) => {
    sender.on("error", reject);
    sender.on("message", (message: { type: string; stats: SenderStats; seconds: number }) => {
      latest = message.stats;
      if (message.type === "done") resolve(message);
    });
  });
  const samples: Sample[] = [];
  const start = performance.now();
  const sample = () => {
    const memory = process.memoryUsage();
    const s: Sample = {
      t: (performance.now() - start) / 1000,
      rssMB: mb(memory.rss),
      heapMB: mb(memory.heapUsed),
      sent: latest.sent,
      accepted: latest.accepted,
    };
    samples.push(s);
    const previous = samples.at(-2);
    const recent =
      previous && s.t - previous.t >= 0.5
        ? Math.round((s.accepted - previous.accepted) / (s.t - previous.t))
        : 0;
    console.log(
      `t=${s.t.toFixed(0).padStart(5)} s  rss ${s.rssMB.toFixed(1).padStart(7)} MB  heapUsed ${s.heapMB.toFixed(1).padStart(7)} MB  ` +
        `sent ${String(s.sent).padStart(9)}  accepted ${String(s.accepted).padStart(9)}  (${recent}/s)`,
    );
  };
  sample();
  sender.postMessage({ type: "go", url: `${node.apiUrl}/v1/readings` });
  const timer = setInterval(sample, everySeconds * 1000);
  const done = await finished;
  clearInterval(timer);
  sample();

  const secondHalf = samples.filter((s) => s.t >= samples.at(-1)!.t / 2);
  const rssSlope = slope(secondHalf.map((s) => [s.t / 60, s.rssMB]));
  const heapSlope = slope(secondHalf.map((s) => [s.t / 60, s.heapMB]));
  const { rows } = await context.db.query<{ readings: number; anchored: number; batches: number }>(
    `select (select count(*) from readings)::int as readings,
            (select count(*) from reading_batches)::int as batches,
            (select count(*) from reading_batches where status = 'anchored')::int as anchored`,
  );
  const stored = rows[0]!;
  const achieved = Math.round(done.stats.accepted / done.seconds);
  console.log(
    `accepted ${done.stats.accepted} of ${done.stats.sent} in ${done.seconds.toFixed(1)} s = ${achieved}/s`,
  );
  if (Object.keys(done.stats.codes).length > 0) console.log(`refusals: ${JSON.stringify(done.stats.codes)}`);
  console.log(`stored ${stored.readings} readings; ${stored.anchored} of ${stored.batches} batches anchored`);
  console.log(
    `slope over the second half: rss ${rssSlope.toFixed(2)} MB/min, heapUsed ${heapSlope.toFixed(2)} MB/min`,
  );
  console.log(
    JSON.stringify({
      database: context.db.kind,
      devices: deviceCount,
      targetRate: rate,
      achievedRate: achieved,
      durationSeconds: Number(done.seconds.toFixed(1)),
      sent: done.stats.sent,
      accepted: done.stats.accepted,
      rejected: done.stats.rejected,
      failed: done.stats.failed,
      readingsStored: stored.readings,
      batches: stored.batches,
      batchesAnchored: stored.anchored,
      rssStartMB: samples[0]!.rssMB,
      rssEndMB: samples.at(-1)!.rssMB,
      rssMaxMB: Math.max(...samples.map((s) => s.rssMB)),
      heapStartMB: samples[0]!.heapMB,
      heapEndMB: samples.at(-1)!.heapMB,
      rssSlopeMBPerMin: Number(rssSlope.toFixed(2)),
      heapSlopeMBPerMin: Number(heapSlope.toFixed(2)),
      samples: samples.length,
    }),
  );
} finally {
  await sender.terminate();
  await node.stop();
  await rm(dir, { recursive: true, force: true });
}
