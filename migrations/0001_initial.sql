-- Initial schema: the reference's tables as of its last migration, in one step.
-- Rows are scoped by `repository`, the repository id `<arch>-<name>`, except patches and users, which are shared.
-- Tables are STRICT so a value of the wrong type is refused instead of silently stored.

-- One row per package base known in a repository.
CREATE TABLE package_bases (
  repository TEXT NOT NULL CHECK (repository <> ''),
  package_base TEXT NOT NULL CHECK (package_base <> ''),
  version TEXT NOT NULL CHECK (version <> ''),
  source TEXT NOT NULL CHECK (source IN ('auto', 'archive', 'aur', 'directory', 'local', 'remote', 'repository')),
  git_url TEXT,
  web_url TEXT,
  path TEXT,
  branch TEXT,
  packager TEXT,
  PRIMARY KEY (repository, package_base)
) STRICT;

-- Build status of a package base; goes away with the base.
CREATE TABLE package_statuses (
  repository TEXT NOT NULL,
  package_base TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('unknown', 'pending', 'building', 'failed', 'success')),
  -- unix time of the last change of `status`
  last_updated INTEGER NOT NULL,
  is_held INTEGER NOT NULL DEFAULT 0 CHECK (is_held IN (0, 1)),
  PRIMARY KEY (repository, package_base),
  FOREIGN KEY (repository, package_base) REFERENCES package_bases (repository, package_base) ON DELETE CASCADE
) STRICT;

-- One row per package name a base produces. A name is unique in a repository, as in its pacman database.
-- Fields known only after a build (architecture, sizes, file name, build date) are NULL before it.
-- Lists are JSON arrays of strings.
CREATE TABLE packages (
  repository TEXT NOT NULL,
  package TEXT NOT NULL CHECK (package <> ''),
  package_base TEXT NOT NULL,
  architecture TEXT,
  archive_size INTEGER CHECK (archive_size >= 0),
  build_date INTEGER,
  depends TEXT NOT NULL CHECK (json_valid(depends) AND json_type(depends) = 'array'),
  make_depends TEXT NOT NULL CHECK (json_valid(make_depends) AND json_type(make_depends) = 'array'),
  opt_depends TEXT NOT NULL CHECK (json_valid(opt_depends) AND json_type(opt_depends) = 'array'),
  check_depends TEXT NOT NULL CHECK (json_valid(check_depends) AND json_type(check_depends) = 'array'),
  description TEXT,
  filename TEXT,
  "groups" TEXT NOT NULL CHECK (json_valid("groups") AND json_type("groups") = 'array'),
  installed_size INTEGER CHECK (installed_size >= 0),
  licenses TEXT NOT NULL CHECK (json_valid(licenses) AND json_type(licenses) = 'array'),
  provides TEXT NOT NULL CHECK (json_valid(provides) AND json_type(provides) = 'array'),
  url TEXT,
  PRIMARY KEY (repository, package),
  FOREIGN KEY (repository, package_base) REFERENCES package_bases (repository, package_base) ON DELETE CASCADE
) STRICT;
CREATE INDEX packages_by_base ON packages (repository, package_base);

-- Package bases waiting to be built; `properties` is the whole package record as JSON.
CREATE TABLE build_queue (
  repository TEXT NOT NULL,
  package_base TEXT NOT NULL CHECK (package_base <> ''),
  properties TEXT NOT NULL CHECK (
    json_valid(properties) AND json_type(properties) = 'object' AND json_extract(properties, '$.base') = package_base
  ),
  PRIMARY KEY (repository, package_base)
) STRICT;

-- PKGBUILD changes applied before a build, shared by all repositories: `variable` names the variable or function
-- (`name()`) to override with `patch`; NULL means `patch` is a diff of the sources.
CREATE TABLE patches (
  package_base TEXT NOT NULL CHECK (package_base <> ''),
  variable TEXT CHECK (variable <> ''),
  patch TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX patches_by_base_variable ON patches (package_base, coalesce(variable, ''));

-- Build log lines. `created` is a unix time with fractions; `id` keeps lines of the same instant in order.
CREATE TABLE logs (
  id INTEGER PRIMARY KEY,
  repository TEXT NOT NULL,
  package_base TEXT NOT NULL,
  version TEXT NOT NULL,
  process_id TEXT NOT NULL,
  created REAL NOT NULL,
  message TEXT NOT NULL
) STRICT;
CREATE INDEX logs_by_build ON logs (repository, package_base, version, process_id);

-- Web users, shared by all repositories. Names are stored lower-case; `password` is a hash, or empty.
CREATE TABLE users (
  username TEXT PRIMARY KEY CHECK (username <> '' AND username = lower(username)),
  access TEXT NOT NULL CHECK (access IN ('unauthorized', 'read', 'reporter', 'full')),
  password TEXT NOT NULL DEFAULT '',
  packager_id TEXT,
  key_id TEXT
) STRICT;

-- Audit log: what happened to which object (usually a package base), `data` is a JSON object of details.
CREATE TABLE auditlog (
  id INTEGER PRIMARY KEY,
  created INTEGER NOT NULL,
  repository TEXT NOT NULL,
  event TEXT NOT NULL CHECK (event IN (
    'build-log', 'package-held', 'package-outdated', 'package-removed', 'package-status-changed',
    'package-update-failed', 'package-updated', 'service-status-changed'
  )),
  object_id TEXT,
  message TEXT,
  data TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(data) AND json_type(data) = 'object')
) STRICT;
CREATE INDEX auditlog_lookup ON auditlog (repository, created, event, object_id);

-- Changes of the PKGBUILD sources of a package base since the commit it was last built from.
CREATE TABLE package_changes (
  repository TEXT NOT NULL,
  package_base TEXT NOT NULL CHECK (package_base <> ''),
  last_commit_sha TEXT NOT NULL CHECK (last_commit_sha <> ''),
  changes TEXT,
  pkgbuild TEXT,
  PRIMARY KEY (repository, package_base)
) STRICT;

-- Libraries the built files of a package base link to: JSON object {file path: [package names]}.
CREATE TABLE package_dependencies (
  repository TEXT NOT NULL,
  package_base TEXT NOT NULL CHECK (package_base <> ''),
  dependencies TEXT NOT NULL CHECK (json_valid(dependencies) AND json_type(dependencies) = 'object'),
  PRIMARY KEY (repository, package_base)
) STRICT;
