import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import type { Database } from "../db/database.js";
import { jsonObject, nullable, oneOf, pageLimit, text } from "../server/paramSchemas.js";
import { createJobQueue, type Job, jobStatuses } from "./jobQueue.js";

const jobSchema = Type.Object({
  id: Type.String(),
  kind: Type.String({ description: "rollup-rebuild, detect, analysis-refresh" }),
  params: jsonObject<unknown>(),
  status: oneOf(jobStatuses),
  attempts: Type.Integer(),
  maxAttempts: Type.Integer(),
  progress: Type.Number({ description: "0..1, as last reported by the worker" }),
  progressMessage: nullable(Type.String()),
  lockedBy: nullable(Type.String({ description: "worker holding the job, or the one that finished it" })),
  lastError: nullable(Type.String()),
  runAfter: Type.Integer({ description: "Unix seconds; a retry waits until then" }),
  createdAt: Type.Integer({ description: "Unix seconds" }),
  startedAt: nullable(Type.Integer({ description: "Unix seconds, of the latest attempt" })),
  finishedAt: nullable(Type.Integer({ description: "Unix seconds" })),
});

const countsSchema = Type.Object({
  queued: Type.Integer(),
  running: Type.Integer(),
  done: Type.Integer(),
  failed: Type.Integer(),
});

function seconds(date: Date): number;
function seconds(date: Date | null): number | null;
function seconds(date: Date | null): number | null {
  return date === null ? null : Math.floor(date.getTime() / 1000);
}

/** A job as the API shows it (times in Unix seconds). */
export function jobJson(job: Job) {
  return {
    id: job.id,
    kind: job.kind,
    params: job.params,
    status: job.status,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    progress: job.progress,
    progressMessage: job.progressMessage,
    lockedBy: job.lockedBy,
    lastError: job.lastError,
    runAfter: seconds(job.runAfter),
    createdAt: seconds(job.createdAt),
    startedAt: seconds(job.startedAt),
    finishedAt: seconds(job.finishedAt),
  };
}

/** `GET /v1/jobs`: the analysis job queue, newest first, with the number of jobs per status. */
export function registerJobRoutes(app: FastifyInstance, context: { db: Database }): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const queue = createJobQueue(context.db);
  api.get(
    "/v1/jobs",
    {
      config: { permission: "analyses.read" },
      schema: {
        summary: "Analysis jobs (newest first) and how many are queued, running, done and failed",
        tags: ["analytics"],
        querystring: Type.Object({
          status: Type.Optional(oneOf(jobStatuses)),
          kind: Type.Optional(text(64)),
          limit: Type.Optional(pageLimit(100)),
        }),
        response: {
          200: Type.Object({ jobs: Type.Array(jobSchema), counts: countsSchema }),
        },
      },
    },
    async (request) => {
      const { query } = request;
      const [jobs, counts] = await Promise.all([
        queue.list({ status: query.status, kind: query.kind, limit: query.limit }),
        queue.counts(),
      ]);
      return { jobs: jobs.map(jobJson), counts };
    },
  );
}
