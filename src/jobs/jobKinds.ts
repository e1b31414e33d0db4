import { BaseError } from "../core/errors.js";
import type { JobContext, JobHandler, JobHandlers } from "./jobTypes.js";

/**
 * One kind of job a module offers: its name, a validator that turns the stored parameters (JSON) into
 * the typed payload or throws `JOB_PARAMS_INVALID`, and the handler that runs it. A module lists its
 * kinds in its module object (src/node/modules.ts); the node's workers and `gridledger worker` run
 * every kind of every module, dispatching on `jobs.kind`.
 */
export type JobKind<Params = unknown> = {
  kind: string;
  /** Checks and types the parameters; throws `JOB_PARAMS_INVALID` (not retried) on bad ones. */
  parse(params: unknown): Params;
  /** Runs one job; its result is stored as JSON. Must be idempotent (see {@link JobHandler}). */
  run(ctx: JobContext, params: Params): Promise<unknown>;
};

/** A job kind of any payload, as a list holds them (each kind's payload is checked where it is written). */
// biome-ignore lint/suspicious/noExplicitAny: erases the payload so kinds of different modules share a list.
export type AnyJobKind = JobKind<any>;

/** Declares a {@link JobKind}; the payload type is inferred from `parse`. */
export function defineJobKind<Params>(kind: JobKind<Params>): JobKind<Params> {
  return kind;
}

/**
 * The runner's dispatch table of `kinds` (kind → handler that validates, then runs).
 * `JOB_KIND_DUPLICATE` when two kinds share a name: a job must have exactly one handler.
 */
export function jobHandlersOf(kinds: readonly AnyJobKind[]): JobHandlers {
  const handlers: JobHandlers = {};
  for (const entry of kinds) {
    if (Object.hasOwn(handlers, entry.kind)) {
      throw new BaseError("JOB_KIND_DUPLICATE", `two modules define the job kind "${entry.kind}"`, {
        details: { kind: entry.kind },
      });
    }
    const handler: JobHandler = async (ctx, params) => entry.run(ctx, entry.parse(params));
    handlers[entry.kind] = handler;
  }
  return handlers;
}

/** `JOB_PARAMS_INVALID` for a job kind's parameters, naming what is wrong. */
export function invalidJobParams(message: string, details: Record<string, unknown> = {}): BaseError {
  return new BaseError("JOB_PARAMS_INVALID", message, { details });
}
