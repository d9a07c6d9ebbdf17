-- What each build of a package base used and produced, for dependency-change rebuilds: `used` maps each dependency
-- and makedependency to the version the build had (from the .BUILDINFO `installed` lines, else the provider's version
-- at build time), `needed` maps each soname its ELF files need to {provider, version}, `sonames` maps each package
-- name of the base to the sonames its libraries provide.
CREATE TABLE build_records (
  repository TEXT NOT NULL,
  package_base TEXT NOT NULL CHECK (package_base <> ''),
  version TEXT NOT NULL CHECK (version <> ''),
  built INTEGER NOT NULL,
  used TEXT NOT NULL CHECK (json_valid(used) AND json_type(used) = 'object'),
  needed TEXT NOT NULL CHECK (json_valid(needed) AND json_type(needed) = 'object'),
  sonames TEXT NOT NULL CHECK (json_valid(sonames) AND json_type(sonames) = 'object'),
  PRIMARY KEY (repository, package_base, version)
) STRICT;
CREATE INDEX build_records_latest ON build_records (repository, package_base, built);

-- Rebuilds scheduled because dependencies changed since the last build. `signature` names the set of changes; a
-- rebuild that failed (`failed` set) is not scheduled again until the signature differs.
CREATE TABLE rebuild_queue (
  repository TEXT NOT NULL,
  package_base TEXT NOT NULL CHECK (package_base <> ''),
  priority INTEGER NOT NULL,
  reason TEXT NOT NULL,
  signature TEXT NOT NULL,
  scheduled INTEGER NOT NULL,
  failed INTEGER,
  PRIMARY KEY (repository, package_base)
) STRICT;
