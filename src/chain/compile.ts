import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import solc from "solc";
import type { Abi, Hex } from "viem";
import { BaseError } from "../core/errors.js";

/** The EVM version contracts are compiled for unless `GRIDLEDGER_EVM_VERSION` says otherwise. */
export const defaultEvmVersion = "cancun";

/** Deployed code size limit of EIP-170. */
export const maxDeployedCodeSize = 24_576;

/** Optimizer settings every GridLedger contract is compiled with. */
export const optimizerRuns = 200;

/** A deployable contract compiled from `contracts/`. */
export type CompiledContract = {
  /** Contract name, e.g. `Consortium`. */
  name: string;
  /** Source unit name, e.g. `contracts/Consortium.sol`. */
  sourcePath: string;
  abi: Abi;
  /** Creation code. */
  bytecode: Hex;
  /** Runtime code (what EIP-170 limits). */
  deployedBytecode: Hex;
};

/** The result of compiling every contract under `contracts/`. */
export type Compilation = {
  solcVersion: string;
  evmVersion: string;
  contracts: CompiledContract[];
  /** Formatted compiler warnings. */
  warnings: string[];
};

type SolcMessage = { severity: "error" | "warning" | "info"; formattedMessage?: string; message: string };
type SolcAstNode = { nodeType: string; name?: string; contractKind?: string; abstract?: boolean };
type SolcOutput = {
  errors?: SolcMessage[];
  sources?: Record<string, { ast: { nodes: SolcAstNode[] } }>;
  contracts?: Record<
    string,
    Record<string, { abi: Abi; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>
  >;
};

/** The EVM version from `GRIDLEDGER_EVM_VERSION`, or `cancun`. */
export function evmVersionFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.GRIDLEDGER_EVM_VERSION?.trim() || defaultEvmVersion;
}

function listSolidityFiles(dir: string, root: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...listSolidityFiles(full, root));
    else if (entry.name.endsWith(".sol")) files.push(path.relative(root, full).split(path.sep).join("/"));
  }
  return files.sort();
}

/**
 * Resolves an import the compiler could not find among the given sources: `@openzeppelin/...` from
 * `node_modules`, anything else relative to the project root, never outside those folders.
 */
function importResolver(root: string) {
  const nodeModules = path.join(root, "node_modules");
  return (importPath: string): { contents: string } | { error: string } => {
    const base = importPath.startsWith("@openzeppelin/") ? nodeModules : root;
    const file = path.resolve(base, importPath);
    if (!file.startsWith(base + path.sep) || !existsSync(file))
      return { error: `File not found: ${importPath}` };
    return { contents: readFileSync(file, "utf8") };
  };
}

/**
 * Compiles every `contracts/**\/*.sol` under `root` with the pinned npm `solc` (standard JSON, optimizer
 * on, explicit EVM version) and returns its deployable contracts (not interfaces, libraries or abstract
 * contracts), sorted by name. Throws `CONTRACTS_COMPILE_FAILED` with the compiler's messages on any
 * error, and `CONTRACTS_TOO_LARGE` when runtime code exceeds the EIP-170 limit.
 */
export function compileContracts(options: { root: string; evmVersion?: string }): Compilation {
  const root = path.resolve(options.root);
  const evmVersion = options.evmVersion ?? evmVersionFromEnv();
  const sourcePaths = listSolidityFiles(path.join(root, "contracts"), root);
  const input = {
    language: "Solidity",
    sources: Object.fromEntries(
      sourcePaths.map((p) => [p, { content: readFileSync(path.join(root, p), "utf8") }] as const),
    ),
    settings: {
      evmVersion,
      optimizer: { enabled: true, runs: optimizerRuns },
      outputSelection: {
        "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"], "": ["ast"] },
      },
    },
  };
  const output = JSON.parse(
    solc.compile(JSON.stringify(input), { import: importResolver(root) }) as string,
  ) as SolcOutput;

  const messages = output.errors ?? [];
  const errors = messages.filter((m) => m.severity === "error");
  if (errors.length > 0) {
    const text = errors.map((m) => m.formattedMessage ?? m.message).join("\n");
    throw new BaseError("CONTRACTS_COMPILE_FAILED", `solc ${solc.version()} failed:\n${text}`, {
      details: { errors: errors.map((m) => m.message) },
    });
  }

  const contracts: CompiledContract[] = [];
  for (const sourcePath of sourcePaths) {
    const nodes = output.sources?.[sourcePath]?.ast.nodes ?? [];
    for (const node of nodes) {
      if (node.nodeType !== "ContractDefinition" || node.contractKind !== "contract" || node.abstract)
        continue;
      const name = node.name ?? "";
      const compiled = output.contracts?.[sourcePath]?.[name];
      if (!compiled) throw new BaseError("CONTRACTS_COMPILE_FAILED", `solc produced no output for ${name}`);
      const contract: CompiledContract = {
        name,
        sourcePath,
        abi: compiled.abi,
        bytecode: `0x${compiled.evm.bytecode.object}`,
        deployedBytecode: `0x${compiled.evm.deployedBytecode.object}`,
      };
      const size = (contract.deployedBytecode.length - 2) / 2;
      if (size > maxDeployedCodeSize) {
        throw new BaseError(
          "CONTRACTS_TOO_LARGE",
          `${name} has ${size} bytes of runtime code, over the EIP-170 limit of ${maxDeployedCodeSize}`,
          { details: { contract: name, size } },
        );
      }
      contracts.push(contract);
    }
  }
  contracts.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const warnings = messages
    .filter((m) => m.severity === "warning")
    .map((m) => m.formattedMessage ?? m.message);
  return { solcVersion: solc.version(), evmVersion, contracts, warnings };
}

/** `Consortium` → `consortium`, `ERC20Token` → `erc20Token`: the prefix of an artifact's exports. */
export function exportPrefixOf(contractName: string): string {
  const leadingCaps = /^[A-Z]+(?=[A-Z][a-z]|[0-9]|$)/.exec(contractName)?.[0];
  if (leadingCaps) return leadingCaps.toLowerCase() + contractName.slice(leadingCaps.length);
  return contractName.charAt(0).toLowerCase() + contractName.slice(1);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
  }
  return value;
}

const generatedMarker = "// Generated by scripts/buildContracts.ts";

/**
 * Renders the typed artifacts of a compilation: `<Name>.ts` with `<name>Abi` (`as const`, for viem's
 * type inference) and `<name>Bytecode` per contract, plus `index.ts` re-exporting them. Keys are sorted
 * so the output depends only on the sources and compiler settings.
 */
export function renderArtifacts(compilation: Compilation): Map<string, string> {
  const files = new Map<string, string>();
  const settings = `solc ${compilation.solcVersion}, evmVersion ${compilation.evmVersion}, optimizer ${optimizerRuns} runs`;
  const index: string[] = [`${generatedMarker} (${settings}). Do not edit.`];
  for (const contract of compilation.contracts) {
    const prefix = exportPrefixOf(contract.name);
    const abi = JSON.stringify(sortKeys(contract.abi), null, 2);
    files.set(
      `${contract.name}.ts`,
      [
        `${generatedMarker} from ${contract.sourcePath} (${settings}). Do not edit.`,
        "",
        `export const ${prefix}Abi = ${abi} as const;`,
        "",
        `export const ${prefix}Bytecode = "${contract.bytecode}" as const;`,
        "",
      ].join("\n"),
    );
    index.push(`export { ${prefix}Abi, ${prefix}Bytecode } from "./${contract.name}.js";`);
  }
  files.set("index.ts", `${index.join("\n")}\n`);
  return files;
}

/**
 * Names the artifact files in `dir` that differ from `expected`: changed, missing, or generated files
 * that no contract produces any more.
 */
export function findStaleArtifacts(dir: string, expected: Map<string, string>): string[] {
  const stale: string[] = [];
  for (const [file, content] of expected) {
    const full = path.join(dir, file);
    if (!existsSync(full) || readFileSync(full, "utf8") !== content) stale.push(file);
  }
  for (const file of listGeneratedArtifacts(dir)) {
    if (!expected.has(file)) stale.push(file);
  }
  return stale.sort();
}

/** The generated `.ts` files in `dir` (those starting with the generator's marker). */
export function listGeneratedArtifacts(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".ts") && readFileSync(path.join(dir, f), "utf8").startsWith(generatedMarker))
    .sort();
}
