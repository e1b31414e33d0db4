import type { NodeContext } from "./openNode.js";

/** The three demo provinces of `gridledger start --demo`. */
export const demoRegions = [
  { code: "CN-GD", nameZh: "广东省", nameEn: "Guangdong" },
  { code: "CN-ZJ", nameZh: "浙江省", nameEn: "Zhejiang" },
  { code: "CN-GS", nameZh: "甘肃省", nameEn: "Gansu" },
] as const;

/** Proposes approving each demo province that is not registered yet, with the node as operator. */
export async function seedDemoRegions(
  node: Pick<NodeContext, "registry" | "store" | "indexer">,
): Promise<void> {
  await node.indexer.sync();
  for (const region of demoRegions) {
    if (await node.store.getRegion(region.code)) continue;
    await node.registry.propose({ kind: "approve-region", ...region }, `demo region ${region.code}`);
  }
  await node.indexer.sync();
}
