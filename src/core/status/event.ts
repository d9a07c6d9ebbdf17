import type { Event, EventType } from '../../models/event.js';
import { currentUnixTime } from '../database/operations/time.js';

export interface EventDetails {
  /** Event-specific details, e.g. the version a status applies to. */
  data?: Record<string, unknown>;
  /** How long the step took, in seconds. */
  duration?: number;
  /** When it happened (unix seconds); now when left out. */
  created?: number;
}

/** The one way an audit event is made: type, object, message, details and duration, stamped now unless told when. */
export function makeEvent(type: EventType, objectId: string | null, message: string | null, details: EventDetails = {}): Event {
  const data = details.duration === undefined ? { ...details.data } : { ...details.data, took: details.duration };
  return { event: type, objectId, message, created: details.created ?? currentUnixTime(), data };
}
