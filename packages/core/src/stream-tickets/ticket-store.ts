// Stream tickets: a prepared request stored for a short time under an unguessable id, claimable exactly once.
import { randomUUID } from 'node:crypto';
import { GatewayError } from '@llm-gateway/contracts';
import type { RedisConnection } from '../redis/redis-connection.js';
import { withDeadline } from '../redis/with-deadline.js';
import { type Clock, systemClock } from '../resilience/clock.js';

/**
 * Why tickets exist: an EventSource (tRPC's subscription transport) can only send a GET, so a request
 * body would have to travel in the URL, which long chat histories overflow. The body is posted first,
 * and the stream is opened with the ticket's id. Claiming deletes the ticket, so an EventSource that
 * reconnects cannot start a second upstream call for the same request.
 */
export interface TicketStore {
  /** Stores `value` until claimed or expired; returns its id. Throws `overloaded` (503) when full. */
  issue(value: string): Promise<string>;
  /** The value, once; undefined when the id is unknown, expired or already claimed. */
  claim(id: string): Promise<string | undefined>;
  readonly ttlMs: number;
}

export interface MemoryTicketStoreOptions {
  ttlMs: number;
  /** Bound on the bytes (UTF-16 units) of all pending tickets, so unclaimed tickets cannot eat memory. */
  maxBytes: number;
  clock?: Clock;
}

interface PendingTicket {
  value: string;
  expiresAt: number;
}

function storeFull(): GatewayError {
  return new GatewayError('overloaded', 'Too many streams are waiting to start; try again shortly.', {
    retryAfterMs: 1000,
  });
}

/** One instance's tickets, in insertion order (which is also expiry order: one TTL for all). */
export function createMemoryTicketStore(options: MemoryTicketStoreOptions): TicketStore {
  const { ttlMs, maxBytes, clock = systemClock } = options;
  const pending = new Map<string, PendingTicket>();
  let bytes = 0;

  const remove = (id: string, ticket: PendingTicket) => {
    pending.delete(id);
    bytes -= ticket.value.length;
  };
  const sweep = () => {
    const now = clock.now();
    for (const [id, ticket] of pending) {
      if (ticket.expiresAt > now) break;
      remove(id, ticket);
    }
  };

  return {
    ttlMs,
    issue: async (value) => {
      sweep();
      if (bytes + value.length > maxBytes) throw storeFull();
      const id = randomUUID();
      pending.set(id, { value, expiresAt: clock.now() + ttlMs });
      bytes += value.length;
      return id;
    },
    claim: async (id) => {
      const ticket = pending.get(id);
      if (ticket === undefined) return undefined;
      remove(id, ticket);
      return ticket.expiresAt > clock.now() ? ticket.value : undefined;
    },
  };
}

export interface RedisTicketStoreOptions {
  /** A client or Cluster: tickets use single-key commands only, so they need no hash tag. */
  redis: RedisConnection;
  keyPrefix: string;
  /** Used when Redis cannot take a ticket, so an outage degrades to "same instance only", not to errors. */
  fallback: TicketStore;
  /**
   * Bound on one Redis call, in ms (default 1000; the gateway passes its Redis command timeout). A
   * Cluster retries a command across a failover, each try bounded by commandTimeout but not their
   * sum: without this a ticket would wait out the promotion (seconds) on the request path.
   */
  deadlineMs?: number;
}

const DEFAULT_DEADLINE_MS = 1000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Tickets in Redis (SET PX, then GETDEL: atomic, so exactly one claim wins across all instances), so
 * the stream may be opened on any instance behind a load balancer.
 */
export function createRedisTicketStore(options: RedisTicketStoreOptions): TicketStore {
  const { redis, keyPrefix, fallback, deadlineMs = DEFAULT_DEADLINE_MS } = options;
  const ttlMs = fallback.ttlMs;
  return {
    ttlMs,
    issue: async (value) => {
      const id = randomUUID();
      try {
        await withDeadline(
          redis.set(`${keyPrefix}${id}`, value, 'PX', ttlMs),
          deadlineMs,
          'Redis ticket issue',
        );
        return id;
      } catch {
        return fallback.issue(value);
      }
    },
    claim: async (id) => {
      const local = await fallback.claim(id);
      if (local !== undefined || !UUID.test(id)) return local;
      try {
        // A claim cut off by the deadline may still run later and consume the ticket: the caller's retry
        // then finds none. Accepted: failing fast beats holding the stream's open for a whole failover.
        return (
          (await withDeadline(redis.getdel(`${keyPrefix}${id}`), deadlineMs, 'Redis ticket claim')) ??
          undefined
        );
      } catch {
        throw new GatewayError('overloaded', 'The stream could not be started: its store is unreachable.', {
          retryAfterMs: 1000,
        });
      }
    },
  };
}
