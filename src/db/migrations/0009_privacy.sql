-- Owner profiles, encrypted (src/auth/profiles.ts): one 256-bit data key per subject (an owner's
-- address), wrapped by the node's master key, which is never stored here. Erasure destroys the
-- wrapped key and the ciphertext (crypto-shredding) and keeps the row as the record of the erasure.
create table subject_keys (
  subject text primary key check (subject ~ '^0x[0-9a-f]{40}$'),
  wrapped_key bytea,
  created_at timestamptz not null default now(),
  erased_at timestamptz,
  check ((wrapped_key is null) = (erased_at is not null))
);
-- Only name, postal address, contact and meter location, as one AES-256-GCM ciphertext.
create table profiles (
  subject text primary key references subject_keys (subject),
  ciphertext bytea not null,
  iv bytea not null,
  tag bytea not null,
  updated_at timestamptz not null default now()
);

-- Access log (src/auth/accessLog.ts): every read of personal data and every write, append-only,
-- hash-chained: hash = sha256(prev_hash ‖ canonical JSON of the entry), the first prev_hash 32 zero bytes.
create table access_log (
  seq bigint primary key check (seq > 0),
  at timestamptz not null,
  actor text not null,
  roles text[] not null,
  action text not null,
  method text not null,
  object text not null,
  purpose text,
  prev_hash text not null check (prev_hash ~ '^0x[0-9a-f]{64}$'),
  hash text not null check (hash ~ '^0x[0-9a-f]{64}$')
);
create index access_log_at_idx on access_log (at);
-- The chain's head: appends lock this one row, so the chain stays linear under concurrent requests.
create table access_log_head (
  id boolean primary key default true check (id),
  seq bigint not null,
  hash text not null
);
insert into access_log_head (id, seq, hash) values (true, 0, '0x0000000000000000000000000000000000000000000000000000000000000000');
create function access_log_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'access_log is append-only: % refused', tg_op using errcode = 'P0001';
end
$$;
create trigger access_log_no_update before update or delete on access_log
  for each row execute function access_log_append_only();
create trigger access_log_no_truncate before truncate on access_log
  for each statement execute function access_log_append_only();
-- Heads of finished UTC days anchored on chain (day = days since 1970-01-01; count = entries up to it).
create table access_log_anchored_days (
  day bigint primary key,
  head text not null check (head ~ '^0x[0-9a-f]{64}$'),
  count bigint not null,
  anchored_at timestamptz not null default now()
);
