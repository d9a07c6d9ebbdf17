-- Reports (statuses, build logs, events) of this instance for the web service of `[status] address` that it has not
-- acknowledged yet, oldest first (rowid). A row is written in the transaction of the change it reports and deleted
-- once the service answers, so a report survives a service that is down, a crash, or a lost answer.
CREATE TABLE status_spool (
  id TEXT PRIMARY KEY,
  repository TEXT NOT NULL,
  created INTEGER NOT NULL,
  method TEXT NOT NULL,
  path TEXT NOT NULL,
  body TEXT CHECK (body IS NULL OR json_valid(body))
) STRICT;

-- The ids of reports the web service applied (sent as `Idempotency-Key`): a report sent again because its answer was
-- lost is acknowledged without being applied twice. Old ids are pruned.
CREATE TABLE status_receipts (
  id TEXT PRIMARY KEY,
  received INTEGER NOT NULL
) STRICT;
CREATE INDEX status_receipts_received ON status_receipts (received);
