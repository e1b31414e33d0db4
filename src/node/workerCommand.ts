import type { Command } from "commander";
import { resolveAnchorGrace } from "../core/config.js";
import { BaseError } from "../core/errors.js";
import type { WorkerEvent } from "../jobs/jobRunner.js";

// The database and analytics modules load only when a worker runs, so --help starts quickly.

type WorkerFlags = {
  databaseUrl?: string;
  concurrency?: string;
  id?: string;
  analyticsConfig?: string;
  anchorGrace?: string;
  json?: boolean;
};

/** The worker's settings from flags, then env vars; coded refusals name the flag. */
export function resolveWorkerConfig(
  flags: WorkerFlags,
  env: NodeJS.ProcessEnv = process.env,
): {
  databaseUrl: string;
  concurrency: number;
  id: string | undefined;
  analyticsConfig: string | undefined;
  anchorGraceSeconds: number;
} {
  const databaseUrl = flags.databaseUrl ?? (env.DATABASE_URL || undefined);
  if (databaseUrl === undefined || databaseUrl === "") {
    throw new BaseError(
      "WORKER_NEEDS_POSTGRES",
      "gridledger worker needs the node's PostgreSQL database: give --database-url postgres://… or set " +
        "DATABASE_URL. A node on the embedded PGlite database runs its jobs itself (PGlite serves one process only)",
    );
  }
  if (!/^postgres(ql)?:\/\//i.test(databaseUrl)) {
    throw new BaseError(
      "WORKER_NEEDS_POSTGRES",
      "gridledger worker needs a PostgreSQL URL (postgres:// or postgresql://); PGlite serves one process only",
      { details: { scheme: databaseUrl.split(":")[0] ?? "" } },
    );
  }
  const concurrencyText = flags.concurrency ?? "1";
  const concurrency = Number(concurrencyText);
  if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new BaseError(
      "CONFIG_INVALID_CONCURRENCY",
      `--concurrency must be a whole number from 1 to 64, got "${concurrencyText}"`,
      { details: { value: concurrencyText } },
    );
  }
  if (flags.id !== undefined && !/^[\w.:@/-]{1,100}$/.test(flags.id)) {
    throw new BaseError(
      "CONFIG_INVALID_WORKER_ID",
      `--id must be 1 to 100 letters, digits or . _ : @ / -, got "${flags.id}"`,
      { details: { value: flags.id } },
    );
  }
  return {
    databaseUrl,
    concurrency,
    id: flags.id,
    analyticsConfig: flags.analyticsConfig ?? (env.GRIDLEDGER_ANALYTICS_CONFIG || undefined),
    anchorGraceSeconds: resolveAnchorGrace(flags.anchorGrace, env),
  };
}

/** `gridledger worker`: extra analysis workers on the node's PostgreSQL database. */
export function registerWorkerCommand(program: Command): void {
  program
    .command("worker")
    .description(
      "run analysis jobs (rollup catch-up, detectors, saved-analysis refresh) from the job queue of a node's " +
        "PostgreSQL database; start several, on any machine, to share the work. Prints a line per job. " +
        "Ctrl-C finishes the job in hand and stops (a second Ctrl-C gives it back to the queue)",
    )
    .option("--database-url <url>", "the node's PostgreSQL database (env DATABASE_URL; required)")
    .option("--concurrency <n>", "jobs run at once by this process (default 1)")
    .option("--id <name>", "worker name recorded on the jobs it runs (default <host>-<pid>-<random>)")
    .option(
      "--anchor-grace <seconds>",
      "the node's anchor grace, for the late-anchor detector (env GRIDLEDGER_ANCHOR_GRACE; default 300)",
    )
    .option(
      "--analytics-config <file>",
      "analytics settings (JSON), the same file as the node's (env GRIDLEDGER_ANALYTICS_CONFIG; default the built-in settings)",
    )
    .action(async (_options: WorkerFlags, command: Command) => {
      const flags = command.optsWithGlobals<WorkerFlags>();
      const config = resolveWorkerConfig(flags);
      const { loadAnalyticsConfig } = await import("../analytics/analyticsConfig.js");
      const analytics = loadAnalyticsConfig(config.analyticsConfig, { required: true });
      const { openDatabase } = await import("../db/database.js");
      const { jobHandlersOf } = await import("../jobs/jobKinds.js");
      const { composeJobKinds } = await import("./modules.js");
      const { defaultWorkerId, startWorker } = await import("../jobs/jobRunner.js");
      // Applies pending migrations (under an advisory lock shared with the node), and refuses with
      // DB_MIGRATION_UNKNOWN a database migrated by a newer GridLedger.
      const db = await openDatabase({ url: config.databaseUrl });
      const handlers = jobHandlersOf(
        composeJobKinds({ db, analytics, anchorGraceSeconds: config.anchorGraceSeconds }),
      );
      const kinds = Object.keys(handlers);
      if (kinds.length === 0) {
        await db.close();
        throw new BaseError(
          "WORKER_NO_HANDLERS",
          "this version of GridLedger has no analysis job handlers to run",
        );
      }
      const json = !!flags.json;
      const id = config.id ?? defaultWorkerId();
      const print = (data: Record<string, unknown>, text: string) =>
        console.log(json ? JSON.stringify(data) : text);
      const worker = startWorker({
        db,
        handlers,
        workerId: id,
        concurrency: config.concurrency,
        onEvent: (event) => {
          const line = describeEvent(event);
          if (line !== undefined) print(line.data, line.text);
        },
        onError: (error) => {
          const code = error instanceof BaseError ? ` [${error.code}]` : "";
          console.error(`warning: ${error instanceof Error ? error.message : String(error)}${code}`);
        },
      });
      print(
        { event: "ready", worker: id, workerIds: worker.workerIds, concurrency: config.concurrency, kinds },
        `worker ${id} ready: ${config.concurrency} at once, job kinds ${kinds.join(", ")} (Ctrl-C stops)`,
      );

      let signals = 0;
      const stop = async (signal: string) => {
        signals += 1;
        if (signals === 1) {
          console.error(
            `${signal}: finishing the job in hand, then stopping (again to give it back to the queue)`,
          );
          await worker.close();
        } else if (signals === 2) {
          console.error(`${signal}: giving the job in hand back to the queue`);
          await worker.close({ abandon: true });
        }
      };
      process.on("SIGINT", () => void stop("SIGINT"));
      process.on("SIGTERM", () => void stop("SIGTERM"));
      await worker.closed;
      await db.close();
    });
}

/** A job event as a JSON record and a line of text; undefined for events not worth a line. */
function describeEvent(event: WorkerEvent): { data: Record<string, unknown>; text: string } | undefined {
  if (event.type === "reclaimed") {
    return {
      data: { event: "reclaimed", worker: event.workerId, jobs: event.jobIds },
      text: `jobs ${event.jobIds.join(", ")} put back in the queue: their workers' leases expired`,
    };
  }
  const { job, workerId } = event;
  const base = { event: event.type, job: job.id, kind: job.kind, worker: workerId, attempt: job.attempts };
  const name = `job ${job.id} ${job.kind}`;
  if (event.type === "start") {
    return {
      data: base,
      text: `${name} started on ${workerId} (attempt ${job.attempts}/${job.maxAttempts})`,
    };
  }
  const data = { ...base, durationMs: event.durationMs };
  const took = `${event.durationMs} ms`;
  switch (event.type) {
    case "done":
      return { data, text: `${name} done in ${took} on ${workerId}` };
    case "released":
      return { data, text: `${name} given back to the queue after ${took}: the worker is stopping` };
    case "retry":
      return {
        data: { ...data, error: messageOf(event.error), retryInMs: event.retryInMs },
        text: `${name} failed in ${took} on ${workerId}: ${messageOf(event.error)}; retry in ${Math.round(event.retryInMs / 1000)} s`,
      };
    case "failed":
      return {
        data: { ...data, error: messageOf(event.error) },
        text: `${name} failed in ${took} on ${workerId}: ${messageOf(event.error)}; no attempts left`,
      };
    case "lost":
      return {
        data: { ...data, error: messageOf(event.error) },
        text: `${name} dropped after ${took}: ${workerId} lost its lease to another worker`,
      };
  }
}

function messageOf(error: unknown): string {
  if (error instanceof BaseError) return `${error.message} [${error.code}]`;
  return error instanceof Error ? error.message : String(error);
}
