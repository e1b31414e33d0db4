import { analyticsErrors } from "./errorCodes/analyticsErrors.js";
import { authErrors } from "./errorCodes/authErrors.js";
import { contractErrors } from "./errorCodes/contractErrors.js";
import type { ErrorEntry } from "./errorCodes/errorEntry.js";
import { governanceErrors } from "./errorCodes/governanceErrors.js";
import { localErrors } from "./errorCodes/localErrors.js";
import { marketErrors } from "./errorCodes/marketErrors.js";
import { marketContractErrors } from "./errorCodes/marketContractErrors.js";
import { meteringErrors } from "./errorCodes/meteringErrors.js";
import { proposalErrors } from "./errorCodes/proposalErrors.js";
import { registryErrors } from "./errorCodes/registryErrors.js";
import { requestErrors } from "./errorCodes/requestErrors.js";

const sections: Record<string, Record<string, ErrorEntry>>[] = [
  { requestErrors },
  { authErrors },
  { registryErrors },
  { proposalErrors },
  { meteringErrors },
  { analyticsErrors },
  { localErrors },
  { contractErrors },
  { governanceErrors },
  { marketErrors },
  { marketContractErrors },
];

function merge(): Readonly<Record<string, ErrorEntry>> {
  const all: Record<string, ErrorEntry> = {};
  for (const section of sections) {
    for (const [name, codes] of Object.entries(section)) {
      for (const [code, value] of Object.entries(codes)) {
        if (code in all) throw new Error(`error code ${code} is declared twice (again in ${name})`);
        all[code] = value;
      }
    }
  }
  return Object.freeze(all);
}

/**
 * Every error code GridLedger gives, once, with its HTTP status, whether a retry can help and what it
 * means (STYLE.md: one catalogue, like fastify's errors.js). To add an error, add it here; the test
 * test/core/errorCatalogue.test.ts fails for a code used in src/ but missing here, or listed here but
 * used nowhere, and docs/http-api.md's table is printed from it (scripts/errorTable.ts --write).
 */
export const errorCatalogue = merge();

/** The catalogue's entry of `code`, or undefined for a code it does not know. */
export function errorEntry(code: string): ErrorEntry | undefined {
  return Object.hasOwn(errorCatalogue, code) ? errorCatalogue[code] : undefined;
}
