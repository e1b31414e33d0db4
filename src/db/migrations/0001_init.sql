-- Node metadata and the off-chain mirror of the on-chain registry, indexed from chain events.
-- Conventions: addresses and ids are lowercase 0x-prefixed hex (checked here, so a checksummed
-- address cannot slip in and miss lookups); block numbers are bigint; energy (Wh) and money are
-- integers (bigint or numeric(39,0)), never floating point.

create table node_meta (
  key text primary key,
  value jsonb not null,
  updated_at timestamptz not null default now()
);

create table organisations (
  address text primary key check (address ~ '^0x[0-9a-f]{40}$'),
  name text not null,
  roles integer not null,
  seat boolean not null,
  active boolean not null,
  admitted_block bigint
);

create table regions (
  region_id text primary key check (region_id ~ '^0x[0-9a-f]+$'),
  code text unique not null,
  name_zh text not null,
  name_en text not null,
  operator text not null check (operator ~ '^0x[0-9a-f]{40}$'),
  interval_seconds integer not null check (interval_seconds > 0),
  approved_block bigint
);
-- Case-insensitive search: `lower(name_en) = lower($1)` or prefix `lower(name_en) like $1 || '%'`
-- (text_pattern_ops serves LIKE prefixes whatever the database collation). Chinese has no case.
create index regions_name_en_lower_idx on regions (lower(name_en) text_pattern_ops);
create index regions_name_zh_idx on regions (name_zh text_pattern_ops);

create table devices (
  device_id text primary key check (device_id ~ '^0x[0-9a-f]+$'),
  scheme smallint not null,
  public_key text not null check (public_key ~ '^0x[0-9a-f]+$'),
  owner text not null check (owner ~ '^0x[0-9a-f]{40}$'),
  region_id text not null check (region_id ~ '^0x[0-9a-f]+$'),
  kind smallint not null,
  source smallint not null,
  capacity_w bigint not null check (capacity_w >= 0),
  status smallint not null,
  community text,
  registered_block bigint
);
create index devices_region_id_idx on devices (region_id);
create index devices_owner_idx on devices (owner);

-- id is the on-chain uint256 proposal id (up to 78 digits, hence unconstrained numeric).
create table proposals (
  id numeric primary key check (id >= 0 and id = trunc(id)),
  kind smallint not null,
  proposer text not null check (proposer ~ '^0x[0-9a-f]{40}$'),
  deadline bigint not null,
  description text not null,
  state text,
  created_block bigint
);

-- How far each chain-event indexer has got; block_hash detects reorganisations.
create table sync_state (
  name text primary key,
  block_number bigint not null check (block_number >= 0),
  block_hash text check (block_hash ~ '^0x[0-9a-f]{64}$')
);
