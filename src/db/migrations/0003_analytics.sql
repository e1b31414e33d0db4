-- Regional data centre: rollups maintained by ingest, alert lifecycle, analysis jobs, saved analyses.
-- Times are Unix seconds (bigint); energy in the commodity's integer unit (numeric, never floating point).

-- Sums per region, commodity, period (an hour, or a day at the node's UTC offset), device kind and
-- energy source. Ingest adds each stored reading here in the transaction that stores it.
create table rollups (
  region_id text not null,
  commodity smallint not null,
  granularity text not null check (granularity in ('hour', 'day')),
  period_start bigint not null,
  kind smallint not null,
  source smallint not null,
  import_total numeric(30, 0) not null default 0,
  export_total numeric(30, 0) not null default 0,
  readings bigint not null default 0,
  primary key (region_id, commodity, granularity, period_start, kind, source)
);

-- Per region, commodity and period: distinct devices that reported, and the peak interval: the
-- largest import rate of one interval, feeders excluded, in base units per hour (W for electricity).
create table rollup_periods (
  region_id text not null,
  commodity smallint not null,
  granularity text not null check (granularity in ('hour', 'day')),
  period_start bigint not null,
  active_devices integer not null default 0,
  peak_rate numeric(30, 0) not null default 0,
  peak_interval_start bigint,
  primary key (region_id, commodity, granularity, period_start)
);

-- Per region, commodity and interval (feeders excluded): what the peak is taken from.
create table rollup_intervals (
  region_id text not null,
  commodity smallint not null,
  interval_start bigint not null,
  duration integer not null,
  import_total numeric(30, 0) not null default 0,
  export_total numeric(30, 0) not null default 0,
  readings bigint not null default 0,
  primary key (region_id, commodity, interval_start)
);

-- Per device, commodity and period: device series, active devices, detectors.
create table rollup_devices (
  device_id text not null,
  commodity smallint not null,
  granularity text not null check (granularity in ('hour', 'day')),
  period_start bigint not null,
  region_id text not null,
  import_total numeric(30, 0) not null default 0,
  export_total numeric(30, 0) not null default 0,
  readings bigint not null default 0,
  primary key (device_id, commodity, granularity, period_start)
);
create index rollup_devices_region_idx on rollup_devices (region_id, commodity, granularity, period_start);

-- When each region last stored a reading: the detection scheduler waits while a region's readings
-- are still arriving (a meter catching up must not be judged on hours it is about to fill).
create table region_activity (
  region_id text primary key,
  last_reading_at timestamptz not null
);

-- The first period each device reported a commodity in: the base of expected readings (completeness).
create table metered_devices (
  device_id text not null,
  commodity smallint not null,
  region_id text not null,
  first_interval bigint not null,
  duration integer not null,
  primary key (device_id, commodity)
);
create index metered_devices_region_idx on metered_devices (region_id, commodity);

-- Refused signatures per device and minute (a burst of them is tampering).
create table signature_failures (
  device_id text not null,
  region_id text not null,
  minute bigint not null,
  failures integer not null,
  primary key (device_id, minute)
);
create index signature_failures_region_idx on signature_failures (region_id, minute);

-- Alert lifecycle: open → acknowledged → resolved, with who and when. `dedupe_key` makes a detector
-- that runs twice (two workers, a retry) raise an alert once. `period_start` is the data's time.
alter table alerts add column dedupe_key text;
alter table alerts add column period_start bigint;
alter table alerts add column acknowledged_by text;
alter table alerts add column acknowledged_at timestamptz;
alter table alerts add column resolved_by text;
alter table alerts add column resolved_at timestamptz;
alter table alerts add column note text;
alter table alerts add constraint alerts_status_check check (status in ('open', 'acknowledged', 'resolved'));
create unique index alerts_dedupe_idx on alerts (dedupe_key);
create index alerts_region_idx on alerts (region_id, created_at);
create index alerts_status_idx on alerts (status, created_at);

-- Analysis jobs shared by the node and `gridledger worker` processes (claimed with FOR UPDATE SKIP LOCKED).
create table jobs (
  id bigserial primary key,
  kind text not null,
  params jsonb not null default '{}',
  dedupe_key text,
  status text not null default 'queued' check (status in ('queued', 'running', 'done', 'failed')),
  attempts integer not null default 0,
  max_attempts integer not null default 5,
  run_after timestamptz not null default now(),
  locked_by text,
  locked_until timestamptz,
  progress real not null default 0,
  progress_message text,
  result jsonb,
  last_error text,
  created_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz
);
create unique index jobs_dedupe_idx on jobs (dedupe_key) where status in ('queued', 'running');
create index jobs_ready_idx on jobs (run_after, id) where status = 'queued';
create index jobs_running_idx on jobs (locked_until) where status = 'running';

-- Every attempt at a job: which worker, when, and how it ended.
create table job_runs (
  id bigserial primary key,
  job_id bigint not null references jobs (id) on delete cascade,
  worker text not null,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  outcome text check (outcome in ('done', 'failed', 'abandoned')),
  error text
);
create index job_runs_job_idx on job_runs (job_id);

-- Saved analyses: a named query (what: series or comparison, of which regions), its parameters
-- (commodity, granularity, time range) and the last result.
create table analyses (
  id bigserial primary key,
  name text not null unique,
  description text not null default '',
  query jsonb not null,
  parameters jsonb not null,
  range_from bigint not null,
  range_to bigint not null,
  result jsonb,
  refreshed_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index analyses_range_idx on analyses (range_from, range_to);
