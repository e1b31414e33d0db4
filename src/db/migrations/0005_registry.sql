-- Who set a suspended device's current suspension (the owner, or the region's operator, whose
-- suspension only a region operator lifts); null when the device is not suspended.
alter table devices add column suspended_by text check (suspended_by ~ '^0x[0-9a-f]{40}$');
