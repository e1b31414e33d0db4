import type { Command } from "commander";
import { clientOf } from "../cli/context.js";
import { answer } from "../cli/nodeApi.js";
import { output, printRecord, printTable } from "../cli/output.js";

/**
 * `batch list [--status s] [--region codes]`, `batch release <key>`, `batch drop <key>`: the operator's
 * decision on batches the chain refused (docs/node.md "Quarantined batches").
 */
export function registerBatchCommands(program: Command): void {
  const batch = program
    .command("batch")
    .description("list batches by status; release or drop a batch the chain refused (quarantined)");

  batch
    .command("list")
    .description("list batches, oldest first (e.g. --status quarantined)")
    .option("--status <statuses>", "pending, anchored, conflict, quarantined, dropped (comma-separated)")
    .option("--region <codes>", "only these regions, comma-separated")
    .option("--limit <n>", "at most this many", "100")
    .action(async (options: { status?: string; region?: string; limit: string }, command: Command) => {
      const { api, out } = clientOf(command);
      const query = { status: options.status, region: options.region, limit: Number(options.limit) };
      const { batches = [] } = answer(await api.client.GET("/v1/batches", { params: { query } }));
      output(out, batches, () =>
        printTable(batches, ["key", "status", "leafCount", "reason"], "(no batches)"),
      );
    });

  for (const [decision, text] of [
    ["release", "put a quarantined batch back to pending: the next anchoring round tries it again"],
    [
      "drop",
      "drop a quarantined batch: it is never anchored; its readings stay stored and verify reports it as dropped",
    ],
  ] as const) {
    batch
      .command(`${decision} <key>`)
      .description(`${text}; <key> is <region>/<commodity>/<intervalStart>/<part> as batch list shows it`)
      .action(async (key: string, _options: unknown, command: Command) => {
        const { api, out } = clientOf(command);
        const result = answer(await api.client.POST(`/v1/batches/${decision}`, { body: { batch: key } }));
        output(out, result, () => printRecord({ key: result.key, status: result.status }));
      });
  }
}
