-- The plan of a publish between its journal step and its state update: a row here means the served database may be
-- ahead of the state, and the next mutating run finishes the publish from this plan (JSON, see publish.ts).
CREATE TABLE publish_journal (
  repository TEXT PRIMARY KEY,
  created INTEGER NOT NULL,
  plan TEXT NOT NULL CHECK (json_valid(plan) AND json_type(plan) = 'object')
) STRICT;

-- What a fully validated package archive says about itself, by the sha256 of its bytes: an archive validated by
-- package-add is published after a read and a hash only. `file_name` and `size` say when hashing is worth it.
-- Rows go when their archive is published, so the table holds about what staging holds.
CREATE TABLE archive_metadata (
  sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64),
  file_name TEXT NOT NULL,
  size INTEGER NOT NULL,
  metadata TEXT NOT NULL CHECK (json_valid(metadata) AND json_type(metadata) = 'object')
) STRICT;
