import type { Event, EventType } from '../models/event.js';
import type { RepositoryId } from '../models/repository-id.js';

export interface Subscriber {
  repository: string;
  /** Empty: every type. */
  events: ReadonlySet<EventType>;
  /** Empty: every object. */
  objects: ReadonlySet<string>;
  /**
   * Hands a message over; returns false when the subscriber cannot take more (its queue is full). Such a
   * subscriber is dropped at once instead of being buffered for without bound.
   */
  deliver(event: Event): boolean;
  /** Called once when the bus drops the subscriber. */
  dropped(): void;
}

/** Fans status events and build log lines of every repository out to the SSE subscribers interested in them. */
export class EventBus {
  private readonly subscribers = new Set<Subscriber>();

  get size(): number {
    return this.subscribers.size;
  }

  subscribe(subscriber: Subscriber): () => void {
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  publish(repository: RepositoryId, event: Event): void {
    for (const subscriber of this.subscribers) {
      if (subscriber.repository !== repository.id) continue;
      if (subscriber.events.size > 0 && !subscriber.events.has(event.event)) continue;
      if (subscriber.objects.size > 0 && (event.objectId === null || !subscriber.objects.has(event.objectId))) continue;
      if (!subscriber.deliver(event)) {
        this.subscribers.delete(subscriber);
        subscriber.dropped();
      }
    }
  }
}
