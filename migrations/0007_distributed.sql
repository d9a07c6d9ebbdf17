-- The distributed run of a repository that has not published yet (at most one): a coordinator restarted mid-run
-- takes the same run id, so its jobs (whose ids include the run) are found in the queue instead of built again.
CREATE TABLE distributed_runs (
  repository TEXT PRIMARY KEY,
  run_id TEXT NOT NULL CHECK (length(run_id) = 36),
  created INTEGER NOT NULL
) STRICT;
