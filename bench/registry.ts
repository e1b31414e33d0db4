// Batch device registration on the embedded chain: how long 10,000 devices take to register on chain
// and to land in the node's registry index. Run: npm run bench:registry [-- COUNT]
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { zeroAddress } from "viem";
import { resolveNodeConfig } from "../src/core/config.js";
import { openNode } from "../src/node/openNode.js";
import { devicesPerTransaction } from "../src/registry/registryClient.js";

const count = Number(process.argv[2] ?? 10_000);
const dir = await mkdtemp(join(tmpdir(), "gridledger-bench-"));
try {
  const node = await openNode(resolveNodeConfig({ dataDir: dir }, {}));
  const { regionId } = await (async () => {
    await node.registry.propose({
      kind: "approve-region",
      code: "CN-GD",
      nameZh: "广东省",
      nameEn: "Guangdong",
    });
    await node.indexer.sync();
    return (await node.store.getRegion("CN-GD"))!;
  })();
  const devices = Array.from({ length: count }, () => ({
    scheme: 1,
    publicKey: `0x${randomBytes(32).toString("hex")}` as const,
    owner: node.registry.operator,
    regionId: regionId as `0x${string}`,
    kind: 1,
    source: 0,
    capacityW: 10_000n,
    community: zeroAddress,
  }));
  const started = performance.now();
  const { txHashes } = await node.registry.registerDevices(devices);
  const registered = performance.now();
  await node.indexer.sync();
  const indexed = performance.now();
  const listed = await node.store.listDevices({ limit: 1 });
  await node.close();
  if (listed.total !== count) throw new Error(`indexed ${listed.total} devices, expected ${count}`);

  const registerSeconds = (registered - started) / 1000;
  const indexSeconds = (indexed - registered) / 1000;
  console.log(`devices:                ${count}`);
  console.log(`transactions:           ${txHashes.length} (${devicesPerTransaction} devices each)`);
  console.log(
    `register on chain:      ${registerSeconds.toFixed(1)} s (${Math.round(count / registerSeconds)} devices/s)`,
  );
  console.log(`index into the database: ${indexSeconds.toFixed(1)} s`);
  console.log(
    JSON.stringify({
      devices: count,
      transactions: txHashes.length,
      registerSeconds: Number(registerSeconds.toFixed(2)),
      devicesPerSecond: Math.round(count / registerSeconds),
      indexSeconds: Number(indexSeconds.toFixed(2)),
    }),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
