/** Audit log entries: what happened to which object (usually a package base) in a repository. */
export const EVENT_TYPES = [
  'build-log',
  'package-held',
  'package-outdated',
  'package-removed',
  'package-status-changed',
  'package-update-failed',
  'package-updated',
  'service-status-changed',
  'snapshot-created',
  'snapshot-promoted',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface Event {
  event: EventType;
  /** What the event is about, e.g. a package base; null for service-wide events. */
  objectId: string | null;
  message: string | null;
  /** Unix time in seconds. */
  created: number;
  /** Event-specific details (e.g. the new version of an updated package). */
  data: Record<string, unknown>;
}
