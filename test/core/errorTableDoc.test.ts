import { describe, expect, it } from "vitest";
import { errorCatalogue } from "../../src/core/errorCatalogue.js";
import { errorTableMarkdown, tableEnd, tableStart } from "../../src/core/errorTable.js";
import { docSection, normalisedMarkdown } from "../helpers/markdown.js";

describe("docs/http-api.md", () => {
  it("prints the error tables exactly as the error catalogue has them", async () => {
    const printed = normalisedMarkdown(await docSection("docs/http-api.md", tableStart, tableEnd));
    // On a difference: npx tsx scripts/errorTable.ts --write && npx biome check --write docs/http-api.md
    expect(printed).toBe(normalisedMarkdown(errorTableMarkdown()));
    for (const code of Object.keys(errorCatalogue)) expect(printed).toContain(`|\`${code}\`|`);
  });
});
