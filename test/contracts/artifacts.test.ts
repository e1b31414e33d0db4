import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import * as artifacts from "../../src/chain/artifacts/index.js";
import {
  type Compilation,
  compileContracts,
  findStaleArtifacts,
  maxDeployedCodeSize,
  renderArtifacts,
} from "../../src/chain/compile.js";

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
      "MeterAnchor",
      "Registry",
    ]);
    expect(Object.keys(artifacts).sort()).toEqual([
      "accountsAbi",
      "accountsBytecode",
      "consortiumAbi",
      "consortiumBytecode",
      "meterAnchorAbi",
      "meterAnchorBytecode",
      "registryAbi",
      "registryBytecode",
    ]);
    expect(artifacts.consortiumBytecode).toBe(compilation.contracts[1]?.bytecode);
    for (const contract of compilation.contracts) {
      expect((contract.deployedBytecode.length - 2) / 2).toBeLessThanOrEqual(maxDeployedCodeSize);
    }
  });
});
