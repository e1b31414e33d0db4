import { describe, expect, it } from "vitest";
import { actions } from "../../src/auth/permissions.js";
import { permissionTableMarkdown, tableEnd, tableStart } from "../../src/auth/permissionTable.js";
import { docSection, normalisedMarkdown } from "../helpers/markdown.js";

describe("docs/security.md", () => {
  it("prints the permission table exactly as src/auth/permissions.ts has it", async () => {
    const printed = normalisedMarkdown(await docSection("docs/security.md", tableStart, tableEnd));
    // On a difference: npx tsx scripts/permissionTable.ts --write
    expect(printed).toBe(normalisedMarkdown(permissionTableMarkdown()));
    for (const action of actions) expect(printed).toContain(`|\`${action}\`|`);
  });
});
