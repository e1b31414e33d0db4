-- Trusted metering: signed readings, their batches (one Merkle tree each) and the anchors on chain.
-- uint64 quantities of the wire format are numeric(20,0) (bigint is signed 64-bit).

create table readings (
  device_id text not null check (device_id ~ '^0x[0-9a-f]{64}$'),
  seq numeric(20, 0) not null check (seq >= 1),
  region_id text not null check (region_id ~ '^0x[0-9a-f]{64}$'),
  commodity smallint not null,
  interval_start bigint not null,
  duration integer not null,
  quality smallint not null,
  import_register numeric(20, 0) not null,
  export_register numeric(20, 0) not null,
  import_delta numeric(20, 0) not null,
  export_delta numeric(20, 0) not null,
  -- The 90 signed bytes and the signature, exactly as received: the Merkle leaf is message ‖ signature.
  message bytea not null,
  signature bytea not null,
  received_at timestamptz not null default now(),
  -- Batch part; null until the reading is put in a batch (then never changed).
  part smallint,
  primary key (device_id, seq)
);
-- Serves both closing batches (`part is null`) and reading a batch's leaves; one index keeps inserts cheap.
create index readings_batch_idx on readings (region_id, commodity, interval_start, part);

-- One batch per (region, commodity, interval start, part): a Merkle tree over its readings.
-- status: pending (built, not yet on chain), anchored, conflict (the chain holds another root).
create table reading_batches (
  region_id text not null check (region_id ~ '^0x[0-9a-f]{64}$'),
  commodity smallint not null,
  interval_start bigint not null,
  part smallint not null check (part >= 0),
  root text not null check (root ~ '^0x[0-9a-f]{64}$'),
  leaf_count integer not null check (leaf_count > 0),
  import_total numeric(20, 0) not null,
  export_total numeric(20, 0) not null,
  status text not null default 'pending' check (status in ('pending', 'anchored', 'conflict')),
  created_at timestamptz not null default now(),
  contract text check (contract ~ '^0x[0-9a-f]{40}$'),
  tx_hash text check (tx_hash ~ '^0x[0-9a-f]{64}$'),
  block_number bigint,
  anchored_at bigint,
  primary key (region_id, commodity, interval_start, part)
);
create index reading_batches_pending_idx on reading_batches (status) where status <> 'anchored';

-- Records that call for a person's attention (conflicting duplicates, sequence gaps, anchor conflicts).
create table alerts (
  id bigserial primary key,
  kind text not null,
  severity text not null check (severity in ('info', 'warning', 'critical')),
  region_id text,
  device_id text,
  message text not null,
  evidence jsonb not null default '{}',
  status text not null default 'open',
  created_at timestamptz not null default now()
);
create index alerts_kind_idx on alerts (kind, created_at);
create index alerts_device_idx on alerts (device_id) where device_id is not null;
