import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import * as artifacts from "../../src/chain/artifacts/index.js";
import {
  type Compilation,
  compileContracts,
  exportPrefixOf,
  findStaleArtifacts,
  maxDeployedCodeSize,
  renderArtifacts,
} from "../../src/chain/compile.js";
import { publicSelectors } from "../../src/chain/foundConsortium.js";
import { contractManifest } from "../../src/chain/manifest.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const artifactsDir = path.join(root, "src/chain/artifacts");

describe("contract artifacts", () => {
  let compilation: Compilation;
  beforeAll(() => {
    compilation = compileContracts({ root });
  }, 180_000);

  it("are not stale: the committed artifacts equal a fresh compile", () => {
    const stale = findStaleArtifacts(artifactsDir, renderArtifacts(compilation));
    expect(stale, "run `npx tsx scripts/buildContracts.ts` and commit the result").toEqual([]);
  });

  it("export the ABI and bytecode of every deployable contract, within the EIP-170 size limit", () => {
    expect(compilation.contracts.map((c) => c.name)).toEqual([
      "Accounts",
      "Consortium",
      "ConsortiumGovernor",
      "GridAuthority",
      "GridTimelock",
      "Market",
      "MeterAnchor",
      "Registry",
      "RewardToken",
      "SettlementToken",
    ]);
    expect(Object.keys(artifacts).sort()).toEqual(
      compilation.contracts
        .flatMap((c) => [`${exportPrefixOf(c.name)}Abi`, `${exportPrefixOf(c.name)}Bytecode`])
        .sort(),
    );
    expect(artifacts.consortiumBytecode).toBe(compilation.contracts[1]?.bytecode);
    for (const contract of compilation.contracts) {
      expect((contract.deployedBytecode.length - 2) / 2).toBeLessThanOrEqual(maxDeployedCodeSize);
    }
  });

  it("match the manifest: every contract of the manifest is compiled, with the artifact's ABI and bytecode", () => {
    const compiled = new Map(compilation.contracts.map((c) => [c.name, c]));
    expect(contractManifest.map((s) => s.name).sort()).toEqual([...compiled.keys()].sort());
    for (const spec of contractManifest) {
      expect(spec.bytecode).toBe(compiled.get(spec.name)?.bytecode);
      expect(spec.abi).toEqual(compiled.get(spec.name)?.abi);
      expect(publicSelectors(spec)).toHaveLength(spec.publicFunctions.length);
    }
  });
});
