import { BaseError } from "../core/errors.js";

/** Options every data-printing command takes. */
export type OutputOptions = { json?: boolean };

/** Prints rows as an aligned text table, or nothing but a note when there are none. */
export function printTable(rows: Record<string, unknown>[], columns: string[], empty = "(none)"): void {
  if (rows.length === 0) {
    console.log(empty);
    return;
  }
  const cells = rows.map((row) => columns.map((c) => formatCell(row[c])));
  const widths = columns.map((c, i) => Math.max(width(c), ...cells.map((r) => width(r[i] ?? ""))));
  const line = (values: string[]) =>
    values
      .map((v, i) => v + " ".repeat((widths[i] ?? 0) - width(v)))
      .join("  ")
      .trimEnd();
  console.log(line(columns));
  for (const row of cells) console.log(line(row));
}

/** Prints `key: value` lines for one object. */
export function printRecord(record: Record<string, unknown>): void {
  const keyWidth = Math.max(...Object.keys(record).map((k) => k.length));
  for (const [key, value] of Object.entries(record)) {
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      console.log(`${key}:`);
      for (const [k, v] of Object.entries(value)) console.log(`  ${k}: ${formatCell(v)}`);
    } else {
      console.log(`${`${key}:`.padEnd(keyWidth + 1)} ${formatCell(value)}`);
    }
  }
}

/**
 * A number of seconds for people: `604800` → "7 days (604800 s)", `5400` → "1 h 30 min (5400 s)";
 * `--json` output keeps the raw seconds.
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return String(seconds);
  const units: [number, string, string][] = [
    [86_400, "day", "days"],
    [3_600, "h", "h"],
    [60, "min", "min"],
    [1, "s", "s"],
  ];
  const parts: string[] = [];
  let rest = Math.floor(seconds);
  for (const [size, one, many] of units) {
    const count = Math.floor(rest / size);
    if (count > 0) parts.push(`${count} ${count === 1 ? one : many}`);
    rest -= count * size;
  }
  return `${parts.length > 0 ? parts.join(" ") : "0 s"} (${seconds} s)`;
}

/** Prints data as JSON when `--json` was given, else with the human printer. */
export function output(options: OutputOptions, data: unknown, human: () => void): void {
  if (options.json) console.log(JSON.stringify(data, null, 2));
  else human();
}

/** Prints an error on one line (or as JSON with `--json`) and sets a non-zero exit code. */
export function reportError(error: unknown, options: OutputOptions): void {
  const base = error instanceof BaseError ? error : asBaseError(error);
  if (options.json) console.error(JSON.stringify({ error: base.toJSON() }));
  else console.error(`error: ${base.message.split("\n")[0]} [${base.code}]`);
  process.exitCode = 1;
}

/**
 * A foreign error as one named line: a JSON-RPC endpoint that does not answer (viem's
 * HttpRequestError, anywhere in the cause chain) is CHAIN_UNREACHABLE; anything else keeps the first
 * line of its short message (viem's errors carry pages of context after it).
 */
function asBaseError(error: unknown): BaseError {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e.name === "HttpRequestError") {
      const url = (e as Error & { url?: string }).url;
      return new BaseError(
        "CHAIN_UNREACHABLE",
        `no EVM JSON-RPC endpoint answers at ${url ?? "the given URL"}`,
        {
          details: { url },
          cause: error,
        },
      );
    }
  }
  const message =
    error instanceof Error
      ? ((error as Error & { shortMessage?: string }).shortMessage ?? error.message)
      : String(error);
  return new BaseError("INTERNAL", message.split("\n")[0] ?? message, { cause: error });
}

function formatCell(value: unknown): string {
  if (value === null || value === undefined) return "-";
  if (Array.isArray(value)) return value.join(",");
  return String(value);
}

/** Display width: CJK characters take two columns in a terminal. */
function width(text: string): number {
  let w = 0;
  for (const ch of text)
    w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(
      ch,
    )
      ? 2
      : 1;
  return w;
}
