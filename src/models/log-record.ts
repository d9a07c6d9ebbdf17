/** One line of a build log, tagged with the build it belongs to. */
export interface LogRecord {
  packageBase: string;
  /** Version being built when the line was written. */
  version: string;
  /** Identifies one run of ahriman, so lines of concurrent or successive builds of one version stay apart. */
  processId: string;
  /** Unix time in seconds, with a fractional part. */
  created: number;
  message: string;
}
