/** Payloads of the web API (reference paths and field names, snake_case as sent on the wire). */
import type { QueueDepth, WorkerBeat } from '../../core/distributed/monitor.js';

export type BuildStatus = 'unknown' | 'pending' | 'building' | 'failed' | 'success';
export const BUILD_STATUSES: readonly BuildStatus[] = ['unknown', 'pending', 'building', 'failed', 'success'];

export interface RepositoryId {
  architecture: string;
  repository: string;
}

export interface AuthInfo {
  enabled: boolean;
  external: boolean;
  username?: string | null;
}

export interface InfoResponse {
  auth: AuthInfo;
  docs_enabled?: boolean;
  index_url?: string | null;
  repositories: RepositoryId[];
  version: string;
}

export interface PackageProperties {
  architecture?: string;
  archive_size?: number;
  build_date?: number;
  depends?: string[];
  make_depends?: string[];
  opt_depends?: string[];
  check_depends?: string[];
  description?: string;
  filename?: string;
  groups?: string[];
  installed_size?: number;
  licenses?: string[];
  provides?: string[];
  url?: string;
}

export interface Remote {
  source: string;
  git_url?: string | null;
  web_url?: string | null;
  path?: string | null;
  branch?: string | null;
}

export interface Package {
  base: string;
  version: string;
  packager?: string | null;
  packages: Record<string, PackageProperties>;
  remote: Remote;
}

export interface Status {
  status: BuildStatus;
  timestamp: number;
  is_held?: boolean;
}

export interface PackageStatus {
  package: Package;
  status: Status;
}

export interface Counters {
  total: number;
  unknown: number;
  pending: number;
  building: number;
  failed: number;
  success: number;
}

export interface InternalStatus {
  architecture: string;
  repository: string;
  version: string;
  status: Status;
  packages: Counters;
  stats?: { bases?: number; packages?: number; archive_size?: number; installed_size?: number };
}

/** A dependency-change rebuild waiting in the queue (GET /api/v1/rebuilds). */
export interface ScheduledRebuild {
  package_base: string;
  priority: number;
  reason: string;
  scheduled: number;
  failed: number | null;
}

/** `GET /api/v1/distributed`: the live workers (from their heartbeats) and each architecture's build queue. */
export interface DistributedOverview {
  queue: string;
  workers: WorkerBeat[];
  queues: QueueDepth[];
}

export interface LogRecord {
  created: number;
  message: string;
  version: string;
  process_id: string;
}

export interface AuditEvent {
  created: number;
  event: string;
  object_id: string | null;
  message?: string | null;
  data?: Record<string, unknown>;
}

export interface Changes {
  last_commit_sha?: string | null;
  changes?: string | null;
  pkgbuild?: string | null;
}

export interface Patch {
  key: string;
  value: string;
}

export interface AurPackage {
  package: string;
  description: string;
}

/** A service action's child process; `status` and `output` are ours, the reference answers `is_alive` only. */
export interface ProcessState {
  is_alive: boolean;
  status?: 'running' | 'success' | 'failed';
  exit_code?: number | null;
  output?: string[];
}
