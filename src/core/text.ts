import { BaseError } from "./errors.js";

/**
 * C0 and C1 control characters and DEL. NUL cannot be stored in a PostgreSQL text column at all; the
 * others make names and codes that print misleadingly (a carriage return hides what precedes it).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const controlCharacter = /[\u0000-\u001f\u007f-\u009f]/;
/** The same, minus tab, line feed and carriage return: allowed in free text such as proposal descriptions. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const controlCharacterExceptLines = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
/** A UTF-16 surrogate that is not half of a pair: not a Unicode character, not encodable as UTF-8. */
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** What is wrong with `value` as text, or undefined when nothing is. */
export function textProblem(value: string, options: { multiline?: boolean } = {}): string | undefined {
  const control = (options.multiline ? controlCharacterExceptLines : controlCharacter).exec(value);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).padStart(4, "0").toUpperCase();
    return `contains the control character U+${code} at position ${control.index}`;
  }
  const surrogate = loneSurrogate.exec(value);
  if (surrogate) return `contains a lone UTF-16 surrogate at position ${surrogate.index}`;
  return undefined;
}

/**
 * Refuses text with control characters (NUL among them) or lone surrogates with `TEXT_INVALID`,
 * naming the field. `multiline` allows tab, line feed and carriage return (free text).
 */
export function assertCleanText(value: string, field: string, options: { multiline?: boolean } = {}): string {
  const problem = textProblem(value, options);
  if (problem !== undefined) {
    throw new BaseError("TEXT_INVALID", `${field} ${problem}`, { details: { field } });
  }
  return value;
}

/**
 * Text from a source the node does not control (the chain) made safe to store and print: NUL, other
 * control characters and lone surrogates become U+FFFD. `changed` tells whether anything was replaced.
 */
export function sanitiseText(value: string): { text: string; changed: boolean } {
  const text = value
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, "\ufffd")
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
  return { text, changed: text !== value };
}

/** Escapes `%`, `_` and `\` so a search term matches itself in a SQL `LIKE … ESCAPE '\'` pattern. */
export function escapeLike(term: string): string {
  return term.replace(/[\\%_]/g, (c) => `\\${c}`);
}
