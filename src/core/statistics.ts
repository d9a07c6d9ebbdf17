import type { Event } from '../models/event.js';

/** Summary of a list of numbers, as the reference's statistics printers show it. */
export interface Summary {
  count: number;
  min: number;
  max: number;
  mean: number;
  stddev: number;
}

export function summarize(values: readonly number[]): Summary | undefined {
  if (values.length === 0) return undefined;
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length;
  return { count: values.length, min: Math.min(...values), max: Math.max(...values), mean, stddev: Math.sqrt(variance) };
}

/** Per object (package base): how many events, and the durations they carry (`data.duration`, seconds). */
export interface ObjectStatistics {
  objectId: string;
  events: number;
  durations: Summary | undefined;
}

export function eventStatistics(events: readonly Event[]): { objects: ObjectStatistics[]; events: number; durations: Summary | undefined } {
  const byObject = new Map<string, Event[]>();
  for (const event of events) {
    const key = event.objectId ?? '';
    byObject.set(key, [...(byObject.get(key) ?? []), event]);
  }
  const durationsOf = (list: readonly Event[]): number[] =>
    list.map((event) => event.data.duration).filter((value): value is number => typeof value === 'number');
  const objects = [...byObject]
    .map(([objectId, list]) => ({ objectId, events: list.length, durations: summarize(durationsOf(list)) }))
    .sort((left, right) => right.events - left.events || left.objectId.localeCompare(right.objectId));
  return { objects, events: events.length, durations: summarize(durationsOf(events)) };
}
