import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Abi } from "viem";
import { describe, expect, it } from "vitest";
import * as artifacts from "../../src/chain/artifacts/index.js";
import { errorCodeOf } from "../../src/chain/decodeRevert.js";
import { errorCatalogue } from "../../src/core/errorCatalogue.js";
import { statusOf } from "../../src/server/httpErrors.js";

const srcDir = new URL("../../src/", import.meta.url).pathname;

/** Upper-case literals in src/ that are not GridLedger error codes, and why. */
const notCodes: Record<string, string> = {
  ERR_HTTP_REQUEST_TIMEOUT: "Node's HTTP parser error, answered as REQUEST_TIMEOUT",
  HPE_HEADER_OVERFLOW: "Node's HTTP parser error, answered as REQUEST_HEADERS_TOO_LARGE",
  LEVEL_LOCKED: "the embedded chain store's error, answered as CHAIN_DATA_DIR_LOCKED",
  GRIDLEDGER_MASTER_KEY: "an environment variable",
  HTTP_404: "the CLI's name for an answer without an error body (HTTP_<status>)",
  PROPOSER_ROLE: "a TimelockController role, hashed into its id at founding",
  CANCELLER_ROLE: "a TimelockController role, hashed into its id at founding",
};

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".test.ts"))
    .map((e) => join(e.parentPath, e.name))
    .filter((path) => !path.includes("/core/errorCodes/") && !path.includes("/chain/artifacts/"));
}

/** Every error code src/ names: quoted SNAKE_CASE literals, and one-word codes given as codes. */
async function codesInSource(): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const path of await sourceFiles(srcDir)) {
    const text = await readFile(path, "utf8");
    const patterns = [/"([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)"/g, /(?:BaseError\(\s*|code: )"([A-Z][A-Z0-9]*)"/g];
    for (const pattern of patterns) {
      for (const match of text.matchAll(pattern)) {
        const code = match[1] as string;
        if (!(code in notCodes) && !found.has(code)) found.set(code, path.slice(srcDir.length));
      }
    }
  }
  return found;
}

/** The codes of the contracts' custom errors, as src/chain/decodeRevert.ts names them. */
function revertCodes(): Set<string> {
  const codes = new Set<string>();
  for (const value of Object.values(artifacts)) {
    if (!Array.isArray(value)) continue;
    for (const item of value as Abi) if (item.type === "error") codes.add(errorCodeOf(item.name));
  }
  return codes;
}

describe("the error catalogue", () => {
  it("has every error code src/ uses, and every contract error", async () => {
    const used = await codesInSource();
    const missing = [...used].filter(([code]) => !(code in errorCatalogue)).map(([c, p]) => `${c} (${p})`);
    const reverts = [...revertCodes()].filter((code) => !(code in errorCatalogue));
    // On a failure: add the code to a section of src/core/errorCodes/, then scripts/errorTable.ts --write.
    expect(missing).toEqual([]);
    expect(reverts).toEqual([]);
  });

  it("lists no code that nothing uses any more", async () => {
    const used = new Set([...(await codesInSource()).keys(), ...revertCodes()]);
    expect(Object.keys(errorCatalogue).filter((code) => !used.has(code))).toEqual([]);
  });

  it("marks exactly the contracts' custom errors as contract reverts", () => {
    const marked = Object.entries(errorCatalogue).filter(([, e]) => e.surface === "contract");
    expect(marked.map(([code]) => code).sort()).toEqual([...revertCodes()].sort());
  });

  it("gives each code a status, a sentence and a retry that fits the status", () => {
    for (const [code, entry] of Object.entries(errorCatalogue)) {
      expect(entry.status, code).toBeGreaterThanOrEqual(200);
      expect(entry.status, code).toBeLessThan(600);
      expect(entry.summary.length, code).toBeGreaterThan(10);
      expect(entry.summary, code).not.toMatch(/\|/);
      if (entry.status >= 400 && entry.status < 500 && ![408, 409, 429].includes(entry.status))
        expect(entry.retry, `${code}: a ${entry.status} does not get better by waiting`).toBe(false);
      expect(entry.perReading, code).toBe(entry.surface === "reading");
    }
    expect(errorCatalogue.RATE_LIMITED?.retry).toBe(true);
    expect(errorCatalogue.INGEST_UNAVAILABLE?.retry).toBe(true);
    expect(errorCatalogue.REQUEST_INVALID?.retry).toBe(false);
  });

  it("gives statusOf its statuses, and 400 to a code it does not know", () => {
    expect(statusOf("AUTH_REQUIRED")).toBe(401);
    expect(statusOf("REGISTRY_NOT_AUTHORISED")).toBe(403);
    expect(statusOf("CHAIN_UNREACHABLE")).toBe(502);
    expect(statusOf("READING_SEQ_CONFLICT")).toBe(409);
    expect(statusOf("NO_SUCH_CODE")).toBe(400);
  });
});
