import { vercmp } from '../alpm/vercmp.js';

/**
 * `current -> next`, or `current => next` when `next` is not newer (a rebuild or a downgrade); `(new)` when there
 * is no current version.
 */
export function formatVersionChange(current: string | undefined, next: string): string {
  const arrow = current !== undefined && vercmp(next, current) <= 0 ? '=>' : '->';
  return `${current ?? '(new)'} ${arrow} ${next}`;
}
