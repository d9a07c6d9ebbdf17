import { InvalidInputError } from './errors.js';

/** Build state of a package base, as shown by `package-status` and the web dashboard. */
export const BUILD_STATUS_VALUES = ['unknown', 'pending', 'building', 'failed', 'success'] as const;
export type BuildStatusValue = (typeof BUILD_STATUS_VALUES)[number];

export interface BuildStatus {
  status: BuildStatusValue;
  /** Unix time (seconds) of the last change of `status`. */
  timestamp: number;
  /** A held package is skipped by update checks until released. */
  isHeld: boolean;
}

export function parseBuildStatus(value: string): BuildStatusValue {
  const status = BUILD_STATUS_VALUES.find((candidate) => candidate === value);
  if (status === undefined) {
    throw new InvalidInputError(`invalid build status '${value}': expected one of ${BUILD_STATUS_VALUES.join(', ')}`);
  }
  return status;
}
