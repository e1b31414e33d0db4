-- Batches the chain refuses are set aside so the other batches are still anchored (issue 9):
-- quarantined (the chain or the node refused it; an operator releases it back to pending or drops it)
-- and dropped (never anchored; its readings stay stored and the audit reports them as dropped).
alter table reading_batches drop constraint reading_batches_status_check;
alter table reading_batches add constraint reading_batches_status_check
  check (status in ('pending', 'anchored', 'conflict', 'quarantined', 'dropped'));
-- Why a batch is quarantined (the chain's refusal, decoded), and when its status last changed.
alter table reading_batches add column status_reason text;
alter table reading_batches add column status_changed_at timestamptz;
-- Unbatched readings only (a reading leaves it when it is put in a batch): closing intervals and the
-- anchoring backlog of `/v1/status` read these without scanning every stored reading.
create index readings_unbatched_idx on readings (region_id, commodity, interval_start) where part is null;
