/** Display helpers: times, sizes and durations as people read them. */
import { humanSize } from '../../core/format/size.js';

export function formatTime(seconds: number | undefined): string {
  if (!seconds) return '';
  const date = new Date(seconds * 1000);
  const pad = (value: number): string => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

export function formatSize(bytes: number | undefined): string {
  return bytes === undefined ? '' : humanSize(bytes);
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes} min ${Math.round(seconds % 60)} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** Distinct values of a list property over every package of a base, sorted. */
export function unionOf(lists: Iterable<readonly string[] | undefined>): string[] {
  const values = new Set<string>();
  for (const list of lists) for (const value of list ?? []) values.add(value);
  return [...values].sort();
}
