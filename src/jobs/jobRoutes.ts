import type { FastifyInstance } from "fastify";
import { createJobQueue, type Job, type JobStatus, jobStatuses } from "../analytics/jobQueue.js";
import type { Database } from "../db/database.js";
import { pageLimit, text } from "../server/paramSchemas.js";

const str = { type: "string" } as const;
const nullableStr = { type: "string", nullable: true } as const;
const int = { type: "integer" } as const;

const jobSchema = {
  type: "object",
  properties: {
    id: str,
    kind: { ...str, description: "rollup-rebuild, detect, analysis-refresh" },
    params: { type: "object", additionalProperties: true },
    status: { type: "string", enum: [...jobStatuses] },
    attempts: int,
    maxAttempts: int,
    progress: { type: "number", description: "0..1, as last reported by the worker" },
    progressMessage: nullableStr,
    lockedBy: { ...nullableStr, description: "worker holding the job, or the one that finished it" },
    lastError: nullableStr,
    runAfter: { ...int, description: "Unix seconds; a retry waits until then" },
    createdAt: { ...int, description: "Unix seconds" },
    startedAt: { type: "integer", nullable: true, description: "Unix seconds, of the latest attempt" },
    finishedAt: { type: "integer", nullable: true, description: "Unix seconds" },
  },
} as const;

const countsSchema = {
  type: "object",
  properties: { queued: int, running: int, done: int, failed: int },
} as const;

const seconds = (date: Date | null) => (date === null ? null : Math.floor(date.getTime() / 1000));

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
  const queue = createJobQueue(context.db);
  app.get(
    "/v1/jobs",
    {
      config: { permission: "analyses.read" },
      schema: {
        summary: "Analysis jobs (newest first) and how many are queued, running, done and failed",
        tags: ["analytics"],
        querystring: {
          type: "object",
          properties: {
            status: { type: "string", enum: [...jobStatuses] },
            kind: text(64),
            limit: pageLimit(100),
          },
        },
        response: {
          200: {
            type: "object",
            properties: { jobs: { type: "array", items: jobSchema }, counts: countsSchema },
          },
        },
      },
    },
    async (request) => {
      const query = request.query as { status?: JobStatus; kind?: string; limit: number };
      const [jobs, counts] = await Promise.all([
        queue.list({ status: query.status, kind: query.kind, limit: query.limit }),
        queue.counts(),
      ]);
      return { jobs: jobs.map(jobJson), counts };
    },
  );
}
