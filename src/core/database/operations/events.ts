import type { Event, EventType } from '../../../models/event.js';
import type { RepositoryId } from '../../../models/repository-id.js';
import type { Database } from '../connection.js';

export interface EventFilter {
  event?: EventType;
  objectId?: string;
  /** Earliest creation time, inclusive (unix seconds). */
  fromDate?: number;
  /** Latest creation time, exclusive (unix seconds). */
  toDate?: number;
  /** At most this many events, the newest ones (default: all). */
  limit?: number;
  /** Skip this many of the newest events first. */
  offset?: number;
}

interface EventRow {
  event: EventType;
  object_id: string | null;
  message: string | null;
  created: number;
  data: string;
}

/** The audit log of one repository. */
export class EventOperations {
  constructor(
    private readonly database: Database,
    private readonly repository: RepositoryId,
  ) {}

  async eventInsert(event: Event): Promise<void> {
    await this.eventsInsert([event]);
  }

  /** Records events in one statement, in their order. */
  async eventsInsert(events: readonly Event[]): Promise<void> {
    if (events.length === 0) return;
    await this.database.run(
      events.length === 1 ? `record event ${events[0]!.event}` : `record ${events.length} events`,
      `INSERT INTO auditlog (created, repository, event, object_id, message, data)
       SELECT value ->> 'created', $repository, value ->> 'event', value ->> 'objectId', value ->> 'message', value -> 'data'
       FROM json_each($events) ORDER BY key`,
      { $repository: this.repository.id, $events: JSON.stringify(events) },
    );
  }

  /** Events matching the filter: the newest `limit` of them (after `offset`), returned oldest first. */
  async eventList(filter: EventFilter = {}): Promise<Event[]> {
    const rows = await this.database.all<EventRow>(
      'list events',
      `SELECT event, object_id, message, created, data FROM (
         SELECT id, event, object_id, message, created, data FROM auditlog
         WHERE repository = $repository
           AND ($event IS NULL OR event = $event)
           AND ($objectId IS NULL OR object_id = $objectId)
           AND ($fromDate IS NULL OR created >= $fromDate)
           AND ($toDate IS NULL OR created < $toDate)
         ORDER BY created DESC, id DESC LIMIT $limit OFFSET $offset
       ) ORDER BY created, id`,
      {
        $repository: this.repository.id,
        $event: filter.event ?? null,
        $objectId: filter.objectId ?? null,
        $fromDate: filter.fromDate ?? null,
        $toDate: filter.toDate ?? null,
        $limit: filter.limit ?? -1,
        $offset: filter.offset ?? 0,
      },
    );
    return rows.map((row) => ({
      event: row.event,
      objectId: row.object_id,
      message: row.message,
      created: row.created,
      data: JSON.parse(row.data) as Record<string, unknown>,
    }));
  }
}
