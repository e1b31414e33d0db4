// Prints the error tables as Markdown, or with --write puts them into docs/http-api.md between its
// markers: `npx tsx scripts/errorTable.ts --write`, then `npx biome check --write docs/http-api.md`.
import { readFileSync, writeFileSync } from "node:fs";
import { errorTableMarkdown, tableEnd, tableStart } from "../src/core/errorTable.js";

const table = errorTableMarkdown();
if (process.argv.includes("--write")) {
  const path = new URL("../docs/http-api.md", import.meta.url);
  const text = readFileSync(path, "utf8");
  const start = text.indexOf(tableStart);
  const end = text.indexOf(tableEnd);
  if (start < 0 || end < start) throw new Error("docs/http-api.md has no error-table markers");
  writeFileSync(path, `${text.slice(0, start + tableStart.length)}\n${table}\n${text.slice(end)}`);
} else {
  console.log(table);
}
