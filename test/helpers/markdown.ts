import { readFile } from "node:fs/promises";

/** Markdown with its table cells trimmed (the formatter pads them), so generated and formatted tables compare equal. */
export const normalisedMarkdown = (markdown: string) =>
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

/** The text of a doc between its start and end markers (empty when the start marker is missing). */
export async function docSection(docPath: string, start: string, end: string): Promise<string> {
  const text = await readFile(new URL(`../../${docPath}`, import.meta.url), "utf8");
  if (!text.includes(start)) return "";
  return text.slice(text.indexOf(start) + start.length, text.indexOf(end));
}
