import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { actions } from "../../src/auth/permissions.js";
import { permissionTableMarkdown, tableEnd, tableStart } from "../../src/auth/permissionTable.js";

/** A Markdown table with its cells trimmed (the formatter pads them). */
const normalised = (table: string) =>
  table
    .trim()
    .split("\n")
    .map((line) =>
      line
        .split("|")
        .map((cell) => cell.trim().replace(/^-+$/, "---"))
        .join("|"),
    )
    .join("\n");

describe("docs/security.md", () => {
  it("prints the permission table exactly as src/auth/permissions.ts has it", async () => {
    const text = await readFile(new URL("../../docs/security.md", import.meta.url), "utf8");
    const printed = text.slice(text.indexOf(tableStart) + tableStart.length, text.indexOf(tableEnd)).trim();
    // On a difference: npx tsx scripts/permissionTable.ts --write
    expect(normalised(printed)).toBe(normalised(permissionTableMarkdown()));
    for (const action of actions) expect(normalised(printed)).toContain(`|\`${action}\`|`);
  });
});
