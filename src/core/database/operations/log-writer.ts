import type { LogRecord } from '../../../models/log-record.js';
import { AhrimanError, errorMessage } from '../../errors.js';
import { getLogger } from '../../log/logger.js';
import type { LogOperations } from './logs.js';

export interface LogWriterOptions {
  /** Start writing as soon as this many lines are waiting (default 500). */
  batchLines?: number;
  /** Longest time a line waits before it is written (default 250 ms), so live views stay current. */
  flushIntervalMs?: number;
}

const logger = getLogger('database');

/**
 * Collects build log lines and stores them in batches: a write starts when enough lines wait or the oldest has
 * waited long enough, and at most one write runs at a time. Lines arriving during a write are taken together by
 * the next one, so a burst of output costs a few INSERT statements, not one per line.
 *
 * `write` never fails because of the database: a failed write is logged, its lines are dropped, and the error
 * is thrown by the next `flush` or `close`. Call `close` when done, or the last lines are lost.
 */
export class LogWriter {
  private readonly batchLines: number;
  private readonly flushIntervalMs: number;
  private buffer: LogRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private failure: unknown;
  private closed = false;

  constructor(
    private readonly logs: Pick<LogOperations, 'logsInsert'>,
    options: LogWriterOptions = {},
  ) {
    this.batchLines = options.batchLines ?? 500;
    this.flushIntervalMs = options.flushIntervalMs ?? 250;
  }

  write(record: LogRecord): void {
    if (this.closed) throw new AhrimanError(`build log writer is closed: cannot write a line of ${record.packageBase}`);
    this.buffer.push(record);
    this.scheduleWrite();
  }

  /** Stores every line written so far; throws if a write failed since the last flush. */
  async flush(): Promise<void> {
    while (this.writing !== undefined || this.buffer.length > 0) {
      this.startWrite();
      await this.writing;
    }
    if (this.failure !== undefined) {
      const failure = this.failure;
      this.failure = undefined;
      throw failure;
    }
  }

  /** Stores the remaining lines; the writer accepts no more after this. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private scheduleWrite(): void {
    if (this.buffer.length >= this.batchLines) {
      this.startWrite();
    } else if (this.buffer.length > 0 && this.timer === undefined) {
      this.timer = setTimeout(() => this.startWrite(), this.flushIntervalMs);
      // A forgotten writer must not keep the process alive; `close` is what guarantees the lines are stored.
      this.timer.unref();
    }
  }

  /** Writes the waiting lines, unless a write is running: that one schedules the next when it ends. */
  private startWrite(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.writing !== undefined || this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    this.writing = this.logs
      .logsInsert(batch)
      .catch((error: unknown) => {
        this.failure ??= error;
        logger.error(`${batch.length} build log lines lost: ${errorMessage(error)}`);
      })
      .finally(() => {
        this.writing = undefined;
        this.scheduleWrite();
      });
  }
}
