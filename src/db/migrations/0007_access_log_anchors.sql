-- Daily heads of member organisations' access logs as the Accounts contract records them
-- (AccessLogAnchored, mirrored by the registry indexer): write-once per (org, day).
create table access_log_anchors (
  org text not null check (org ~ '^0x[0-9a-f]{40}$'),
  day bigint not null check (day >= 0),
  head text not null check (head ~ '^0x[0-9a-f]{64}$'),
  count bigint not null check (count >= 0),
  block_number bigint not null,
  tx_hash text not null check (tx_hash ~ '^0x[0-9a-f]{64}$'),
  primary key (org, day)
);
