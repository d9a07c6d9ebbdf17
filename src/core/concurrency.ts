import os from 'node:os';

/** A sensible number of CPU-bound tasks at once on this machine. */
export function defaultConcurrency(): number {
  return Math.max(1, os.availableParallelism());
}

/**
 * Independent file-system calls (stat, link, rename, small reads) in flight at once: they wait on libuv's thread
 * pool and the disk, not on the CPU, so a bound of the core count would leave the pool mostly idle.
 */
export const FILE_OPERATIONS_CONCURRENCY = 32;

/**
 * Package archives read (opened, decompressed, parsed, hashed, maybe copied) at once. Each one alternates between
 * waiting on the file system and working on the CPU, so more than the core count keeps the CPU busy while others
 * wait; each holds at most a read chunk and its decompressor's window, so the memory stays small.
 */
export const ARCHIVE_READS_IN_FLIGHT = 8;

/** Maps with at most `limit` calls in flight, keeping the order of the input in the result. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, map: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await map(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return results;
}
