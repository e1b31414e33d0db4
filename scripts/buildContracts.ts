/**
 * Compiles `contracts/**\/*.sol` and writes the typed artifacts under `src/chain/artifacts/`.
 *
 *   npx tsx scripts/buildContracts.ts           write the artifacts
 *   npx tsx scripts/buildContracts.ts --check   exit 1 naming the artifacts that are stale
 *
 * `GRIDLEDGER_EVM_VERSION` picks the EVM version (default cancun).
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  compileContracts,
  findStaleArtifacts,
  listGeneratedArtifacts,
  renderArtifacts,
} from "../src/chain/compile.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const artifactsDir = path.join(root, "src/chain/artifacts");
const check = process.argv.includes("--check");

try {
  const compilation = compileContracts({ root });
  for (const warning of compilation.warnings) console.warn(warning);
  const files = renderArtifacts(compilation);
  const relDir = path.relative(root, artifactsDir);

  if (check) {
    const stale = findStaleArtifacts(artifactsDir, files);
    if (stale.length > 0) {
      console.error(`stale contract artifacts in ${relDir}: ${stale.join(", ")}`);
      console.error("run `npx tsx scripts/buildContracts.ts` and commit the result");
      process.exit(1);
    }
    console.log(`contract artifacts in ${relDir} are up to date`);
  } else {
    mkdirSync(artifactsDir, { recursive: true });
    for (const file of listGeneratedArtifacts(artifactsDir)) {
      if (!files.has(file)) rmSync(path.join(artifactsDir, file));
    }
    for (const [file, content] of files) writeFileSync(path.join(artifactsDir, file), content);
    for (const c of compilation.contracts) {
      const bytes = (c.deployedBytecode.length - 2) / 2;
      console.log(`${c.name}: ${bytes} bytes deployed (${c.sourcePath})`);
    }
    console.log(
      `wrote ${files.size} files to ${relDir} (solc ${compilation.solcVersion}, ${compilation.evmVersion})`,
    );
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
