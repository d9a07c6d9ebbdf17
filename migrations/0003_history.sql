-- The content history of each repository: one row per publish that changed what the repository database lists,
-- and one row per package file it added or removed. Written in the transaction that brings the package state up to
-- the committed database, so the history always ends at what the repository serves.
CREATE TABLE history_runs (
  id INTEGER PRIMARY KEY,
  repository TEXT NOT NULL,
  -- unix time in milliseconds: several publishes can fall within one second
  created INTEGER NOT NULL,
  -- the snapshot this publish produced, when snapshots are on
  snapshot TEXT
) STRICT;
-- `--at DATE`: the last run at or before a moment; the runs newest first.
CREATE INDEX history_runs_by_time ON history_runs (repository, created, id);
CREATE INDEX history_runs_by_snapshot ON history_runs (repository, snapshot) WHERE snapshot IS NOT NULL;

CREATE TABLE history_changes (
  id INTEGER PRIMARY KEY,
  run INTEGER NOT NULL REFERENCES history_runs (id),
  repository TEXT NOT NULL,
  change TEXT NOT NULL CHECK (change IN ('added', 'removed')),
  package TEXT NOT NULL,
  version TEXT NOT NULL,
  package_base TEXT NOT NULL,
  architecture TEXT NOT NULL,
  checksum TEXT NOT NULL
) STRICT;
-- A package's versions, and its last change at or before a run (what `--at` and `--diff` need of each package).
-- A run removes a package's old file before it adds the new one, so the larger id is the later change.
CREATE INDEX history_changes_by_package ON history_changes (repository, package, run);
CREATE INDEX history_changes_by_base ON history_changes (repository, package_base);
-- The changes of one run.
CREATE INDEX history_changes_by_run ON history_changes (repository, run);

-- The last change of every package the history has seen: where the history ends (the rows whose change added a
-- file are what the repository lists), and the names that `--at` looks up, each with one index search for its last
-- change at or before a run. Kept in the same transaction as the changes.
CREATE TABLE history_latest (
  repository TEXT NOT NULL,
  package TEXT NOT NULL,
  change INTEGER NOT NULL REFERENCES history_changes (id),
  PRIMARY KEY (repository, package)
) STRICT, WITHOUT ROWID;
