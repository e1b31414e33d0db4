// Prints the permission table as Markdown, or with --write puts it into docs/security.md between its
// markers: `npx tsx scripts/permissionTable.ts --write`.
import { readFileSync, writeFileSync } from "node:fs";
import { permissionTableMarkdown, tableEnd, tableStart } from "../src/auth/permissionTable.js";

const table = permissionTableMarkdown();
if (process.argv.includes("--write")) {
  const path = new URL("../docs/security.md", import.meta.url);
  const text = readFileSync(path, "utf8");
  const start = text.indexOf(tableStart);
  const end = text.indexOf(tableEnd);
  if (start < 0 || end < start) throw new Error("docs/security.md has no permission-table markers");
  writeFileSync(path, `${text.slice(0, start + tableStart.length)}\n${table}\n${text.slice(end)}`);
} else {
  console.log(table);
}
