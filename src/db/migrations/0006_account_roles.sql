-- Role bindings of accounts as the Accounts contract records them (mirrored by the registry indexer):
-- scope is 0x00…00 (everywhere), a region id, or a community's address left-padded to 32 bytes.
create table account_roles (
  account text not null check (account ~ '^0x[0-9a-f]{40}$'),
  role smallint not null check (role > 0),
  scope text not null check (scope ~ '^0x[0-9a-f]{64}$'),
  granted_by text not null check (granted_by ~ '^0x[0-9a-f]{40}$'),
  granted_block bigint,
  primary key (account, role, scope)
);
create index account_roles_granted_by_idx on account_roles (granted_by);
