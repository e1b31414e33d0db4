import { BaseError } from "../core/errors.js";
import { escapeLike } from "../core/text.js";
import type { Database, Queryable } from "../db/database.js";
import { commodities } from "../metering/readingFormat.js";
import type { AnalyticsConfig } from "./analyticsConfig.js";
import type { SeriesGranularity } from "./periods.js";
import { regionSeries, resolveRegion, type Series } from "./statsQuery.js";

/** What a saved analysis computes: one region's series, or several regions side by side. */
export type AnalysisQuery = { kind: "series" | "compare"; regions: string[] };
/** The values it computes them for. */
export type AnalysisParameters = {
  commodity: keyof typeof commodities;
  granularity: SeriesGranularity;
  from: number;
  to: number;
};

export type AnalysisInput = {
  name: string;
  description?: string | undefined;
  query: AnalysisQuery;
  parameters: AnalysisParameters;
};

/** A saved analysis as the API shows it; `result` is the snapshot of its last computation. */
export type Analysis = AnalysisInput & {
  id: string;
  description: string;
  result: { regions: Series[] } | null;
  refreshedAt: string | null;
  createdAt: string;
  updatedAt: string;
};

function invalid(message: string, details: Record<string, unknown> = {}): BaseError {
  return new BaseError("ANALYSIS_INVALID", message, { details });
}

/** Checks an analysis' fields, naming the first that is wrong. */
export function checkAnalysis(input: AnalysisInput): AnalysisInput {
  const name = input.name?.trim();
  if (!name || name.length > 200) throw invalid("name must be 1 to 200 characters", { name: input.name });
  if (!["series", "compare"].includes(input.query?.kind)) {
    throw invalid(`query.kind must be "series" or "compare", got ${JSON.stringify(input.query?.kind)}`);
  }
  const regions = input.query.regions;
  const most = input.query.kind === "series" ? 1 : 50;
  if (
    !Array.isArray(regions) ||
    regions.length < 1 ||
    regions.length > most ||
    regions.some((r) => typeof r !== "string")
  ) {
    throw invalid(`query.regions must list 1 to ${most} region codes or names`, { regions });
  }
  const p = input.parameters;
  if (!p || !(p.commodity in commodities)) {
    throw invalid(`parameters.commodity must be one of ${Object.keys(commodities).join(", ")}`, {
      commodity: p?.commodity,
    });
  }
  if (!["hour", "day", "month"].includes(p.granularity)) {
    throw invalid(`parameters.granularity must be hour, day or month, got ${JSON.stringify(p.granularity)}`);
  }
  if (!Number.isSafeInteger(p.from) || !Number.isSafeInteger(p.to) || p.from >= p.to) {
    throw invalid("parameters.from and parameters.to must be Unix seconds with from < to", {
      from: p.from,
      to: p.to,
    });
  }
  return { ...input, name, description: input.description ?? "" };
}

/** Computes an analysis' result from the rollups. */
export async function computeAnalysis(
  db: Queryable,
  config: AnalyticsConfig,
  input: Pick<AnalysisInput, "query" | "parameters">,
  now: number,
): Promise<{ regions: Series[] }> {
  const regions: Series[] = [];
  for (const name of input.query.regions) {
    regions.push(
      await regionSeries(db, config, await resolveRegion(db, name), {
        commodity: commodities[input.parameters.commodity],
        granularity: input.parameters.granularity,
        from: input.parameters.from,
        to: input.parameters.to,
        now,
      }),
    );
  }
  return { regions };
}

const fromRow = (row: Record<string, unknown>, withResult: boolean): Analysis => ({
  id: String(row.id),
  name: row.name as string,
  description: row.description as string,
  query: row.query as AnalysisQuery,
  parameters: row.parameters as AnalysisParameters,
  result: withResult ? ((row.result as Analysis["result"]) ?? null) : null,
  refreshedAt: row.refreshed_at ? (row.refreshed_at as Date).toISOString() : null,
  createdAt: (row.created_at as Date).toISOString(),
  updatedAt: (row.updated_at as Date).toISOString(),
});

/** The stored columns of an analysis: name, description, query, parameters, range, result. */
const columns = (a: AnalysisInput, result: { regions: Series[] }) => [
  a.name,
  a.description,
  JSON.stringify(a.query),
  JSON.stringify(a.parameters),
  a.parameters.from,
  a.parameters.to,
  JSON.stringify(result),
];

function notFound(id: string): BaseError {
  return new BaseError("ANALYSIS_NOT_FOUND", `no saved analysis has id ${id}`, { details: { id } });
}

function parseId(id: string): string {
  if (!/^[1-9][0-9]{0,17}$/.test(id)) throw notFound(id);
  return id;
}

/** Saved analyses: create, read, update, delete, refresh; the result is recomputed on every change. */
export function createAnalysisStore(db: Database, config: AnalyticsConfig, now: () => number = Date.now) {
  const seconds = () => Math.floor(now() / 1000);
  const nameTaken = (error: unknown, name: string) => {
    if (
      String((error as { code?: string }).code) === "23505" ||
      /unique|duplicate key/i.test(String(error))
    ) {
      return new BaseError("ANALYSIS_NAME_EXISTS", `a saved analysis is already named "${name}"`, {
        details: { name },
        cause: error,
      });
    }
    return error;
  };

  return {
    async create(input: AnalysisInput): Promise<Analysis> {
      const checked = checkAnalysis(input);
      const result = await computeAnalysis(db, config, checked, seconds());
      try {
        const { rows } = await db.query<Record<string, unknown>>(
          `insert into analyses (name, description, query, parameters, range_from, range_to, result, refreshed_at)
           values ($1, $2, $3, $4, $5, $6, $7, now()) returning *`,
          columns(checked, result),
        );
        return fromRow(rows[0]!, true);
      } catch (error) {
        throw nameTaken(error, checked.name);
      }
    },

    /** Analyses whose time range overlaps [from, to) (either may be left out), newest first, without results. */
    async list(
      filter: { from?: number | undefined; to?: number | undefined; search?: string | undefined } = {},
    ) {
      const { rows } = await db.query<Record<string, unknown>>(
        `select * from analyses
          where ($1::bigint is null or range_to > $1) and ($2::bigint is null or range_from < $2)
            and ($3::text is null or lower(name) like '%' || lower($3) || '%' escape '\\')
          order by updated_at desc, id desc`,
        [
          filter.from ?? null,
          filter.to ?? null,
          filter.search?.trim() ? escapeLike(filter.search.trim()) : null,
        ],
      );
      return rows.map((row) => fromRow(row, false));
    },

    async get(id: string): Promise<Analysis> {
      const { rows } = await db.query<Record<string, unknown>>("select * from analyses where id = $1", [
        parseId(id),
      ]);
      if (!rows[0]) throw notFound(id);
      return fromRow(rows[0], true);
    },

    /** Changes the given fields and recomputes the result. */
    async update(
      id: string,
      changes: Partial<Omit<AnalysisInput, "parameters">> & {
        parameters?: Partial<AnalysisParameters> | undefined;
      },
    ): Promise<Analysis> {
      const current = await this.get(id);
      const checked = checkAnalysis({
        name: changes.name ?? current.name,
        description: changes.description ?? current.description,
        query: changes.query ?? current.query,
        parameters: changes.parameters
          ? { ...current.parameters, ...changes.parameters }
          : current.parameters,
      });
      const result = await computeAnalysis(db, config, checked, seconds());
      try {
        const { rows } = await db.query<Record<string, unknown>>(
          `update analyses set name = $2, description = $3, query = $4, parameters = $5, range_from = $6, range_to = $7,
                  result = $8, refreshed_at = now(), updated_at = now()
            where id = $1 returning *`,
          [current.id, ...columns(checked, result)],
        );
        if (!rows[0]) throw notFound(id);
        return fromRow(rows[0], true);
      } catch (error) {
        throw nameTaken(error, checked.name);
      }
    },

    async remove(id: string): Promise<void> {
      const { rows } = await db.query("delete from analyses where id = $1 returning id", [parseId(id)]);
      if (rows.length === 0) throw notFound(id);
    },

    /** Recomputes the stored result (the `analysis-refresh` job). */
    async refresh(id: string): Promise<Analysis> {
      const current = await this.get(id);
      const result = await computeAnalysis(db, config, current, seconds());
      const { rows } = await db.query<Record<string, unknown>>(
        "update analyses set result = $2, refreshed_at = now() where id = $1 returning *",
        [current.id, JSON.stringify(result)],
      );
      if (!rows[0]) throw notFound(id);
      return fromRow(rows[0], true);
    },
  };
}

export type AnalysisStore = ReturnType<typeof createAnalysisStore>;
