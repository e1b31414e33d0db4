-- The event indexer (src/chain/indexer/) keeps one cursor per handler in sync_state: the registry's
-- ("registry") and the Accounts mirror's ("accounts") cursors carry over unchanged, so an existing data
-- directory does not re-index. A handler that fails keeps its cursor; its failures are counted here.
alter table sync_state add column errors integer not null default 0;
alter table sync_state add column last_error text;
alter table sync_state add column updated_at timestamptz;
