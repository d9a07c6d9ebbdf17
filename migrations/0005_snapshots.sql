-- Immutable snapshots of a repository: one per publish that changed it, named by a short hash of its database
-- (`snapshots/<repo>/<arch>/<id>/`). `seq` orders them (a snapshot published again moves to the end); `failed`
-- says whether the run that made it had failures (the `consistent` pointer skips those); `changes` is
-- {added: [{name, version}], removed: [{name, version}]} and `results` {built: {base: version}, failed: {base: reason}}.
CREATE TABLE snapshots (
  seq INTEGER PRIMARY KEY,
  repository TEXT NOT NULL,
  id TEXT NOT NULL CHECK (length(id) > 0),
  created INTEGER NOT NULL,
  run TEXT,
  failed INTEGER NOT NULL CHECK (failed IN (0, 1)),
  changes TEXT NOT NULL CHECK (json_valid(changes) AND json_type(changes) = 'object'),
  results TEXT NOT NULL CHECK (json_valid(results) AND json_type(results) = 'object'),
  UNIQUE (repository, id)
) STRICT;

-- Results of CI jobs for a snapshot: the latest vote of each job counts.
CREATE TABLE snapshot_votes (
  repository TEXT NOT NULL,
  snapshot TEXT NOT NULL,
  job TEXT NOT NULL CHECK (length(job) > 0),
  passed INTEGER NOT NULL CHECK (passed IN (0, 1)),
  url TEXT,
  notes TEXT,
  created INTEGER NOT NULL,
  PRIMARY KEY (repository, snapshot, job),
  FOREIGN KEY (repository, snapshot) REFERENCES snapshots (repository, id) ON DELETE CASCADE
) STRICT;

-- The audit log learns the snapshot events (SQLite cannot alter a CHECK constraint: the table is rebuilt).
CREATE TABLE auditlog_new (
  id INTEGER PRIMARY KEY,
  created INTEGER NOT NULL,
  repository TEXT NOT NULL,
  event TEXT NOT NULL CHECK (event IN (
    'build-log', 'package-held', 'package-outdated', 'package-removed', 'package-status-changed',
    'package-update-failed', 'package-updated', 'service-status-changed', 'snapshot-created', 'snapshot-promoted'
  )),
  object_id TEXT,
  message TEXT,
  data TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(data) AND json_type(data) = 'object')
) STRICT;
INSERT INTO auditlog_new SELECT id, created, repository, event, object_id, message, data FROM auditlog;
DROP TABLE auditlog;
ALTER TABLE auditlog_new RENAME TO auditlog;
CREATE INDEX auditlog_lookup ON auditlog (repository, created, event, object_id);
