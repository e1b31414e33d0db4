import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { errorCatalogue } from "../../src/core/errorCatalogue.js";
import { errorTableMarkdown, tableEnd, tableStart } from "../../src/core/errorTable.js";

/** Markdown with its table cells trimmed (the formatter pads them). */
const normalised = (markdown: string) =>
  markdown
    .trim()
    .split("\n")
    .map((line) =>
      line
        .split("|")
        .map((cell) => cell.trim().replace(/^-+$/, "---"))
        .join("|"),
    )
    .join("\n");

describe("docs/http-api.md", () => {
  it("prints the error tables exactly as the error catalogue has them", async () => {
    const text = await readFile(new URL("../../docs/http-api.md", import.meta.url), "utf8");
    expect(text).toContain(tableStart);
    const printed = text.slice(text.indexOf(tableStart) + tableStart.length, text.indexOf(tableEnd));
    // On a difference: npx tsx scripts/errorTable.ts --write && npx biome check --write docs/http-api.md
    expect(normalised(printed)).toBe(normalised(errorTableMarkdown()));
    for (const code of Object.keys(errorCatalogue)) expect(normalised(printed)).toContain(`|\`${code}\`|`);
  });
});
