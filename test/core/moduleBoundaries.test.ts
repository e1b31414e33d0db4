import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const src = join(root, "src");

/**
 * Pure logic: codecs, Merkle trees, checks, detectors, periods and measures, the hook and job-kind
 * mechanisms. They touch no database, chain or network, so nothing under db/, chain/ or server/ may
 * be imported by them (not even a type: a type drags its module's shape in).
 */
const pureCore = [
  "metering/merkleTree.ts",
  "metering/readingFormat.ts",
  "metering/readingChecks.ts",
  "metering/batchKey.ts",
  "metering/anchorRefusal.ts",
  "analytics/periods.ts",
  "analytics/energyMeasures.ts",
  "analytics/detectors/*",
  "hooks/hook.ts",
  "jobs/jobKinds.ts",
  "market/clearDoubleAuction.ts",
  "market/pairFills.ts",
  "market/maxHeap.ts",
  "market/orderFormat.ts",
  "market/commitTree.ts",
  "market/settleSlot.ts",
  "market/auditSlot.ts",
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(entry.name) && !/\.test\.ts$/.test(entry.name) ? [path] : [];
  });
}

/** The src-relative files a file imports (static, type-only and dynamic imports), from its text. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specifiers = [
    ...text.matchAll(/\bfrom\s+"(\.[^"]+)"/g),
    ...text.matchAll(/\bimport\s*\(\s*"(\.[^"]+)"\s*\)/g),
    ...text.matchAll(/^\s*import\s+"(\.[^"]+)"/gm),
  ].map((match) => match[1]!);
  return specifiers.map((specifier) =>
    relative(src, resolve(dirname(file), specifier))
      .replace(/\.js$/, ".ts")
      .split("\\")
      .join("/"),
  );
}

const graph = new Map(
  sourceFiles(src).map((file) => [relative(src, file).split("\\").join("/"), importsOf(file)]),
);

const matches = (file: string, pattern: string) =>
  pattern.endsWith("/*") ? file.startsWith(pattern.slice(0, -1)) : file === pattern;

describe("module boundaries (docs/architecture.md)", () => {
  it("reads the import graph of src (sanity: ingest imports the reading codec)", () => {
    expect(graph.get("metering/ingest.ts")).toContain("metering/readingFormat.ts");
    expect(graph.size).toBeGreaterThan(100);
  });

  it("metering imports nothing of analytics: they talk through hooks", () => {
    const crossings = [...graph]
      .filter(([file]) => file.startsWith("metering/"))
      .flatMap(([file, imports]) =>
        imports.filter((i) => i.startsWith("analytics/")).map((i) => `${file} → ${i}`),
      );
    expect(crossings).toEqual([]);
  });

  it("registry imports nothing of analytics: its odd chain text goes out as an incidents hook", () => {
    const crossings = [...graph]
      .filter(([file]) => file.startsWith("registry/"))
      .flatMap(([file, imports]) =>
        imports.filter((i) => i.startsWith("analytics/")).map((i) => `${file} → ${i}`),
      );
    expect(crossings).toEqual([]);
  });

  it("the pure core imports nothing under db/, chain/ or server/", () => {
    const pure = [...graph.keys()].filter((file) => pureCore.some((pattern) => matches(file, pattern)));
    expect(pure.length).toBeGreaterThanOrEqual(pureCore.length);
    const crossings = pure.flatMap((file) =>
      graph
        .get(file)!
        .filter((i) => /^(db|chain|server)\//.test(i))
        .map((i) => `${file} → ${i}`),
    );
    expect(crossings).toEqual([]);
  });

  it("the jobs module runs other modules' jobs without importing them", () => {
    const crossings = [...graph]
      .filter(([file]) => file.startsWith("jobs/") && file !== "jobs/module.ts")
      .flatMap(([file, imports]) =>
        imports.filter((i) => /^(analytics|metering|registry|auth)\//.test(i)).map((i) => `${file} → ${i}`),
      );
    expect(crossings).toEqual([]);
  });
});
