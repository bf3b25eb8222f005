/**
 * `GET|POST /event/{type}` use case: validate → SendMessage to the Events queue → answer.
 *
 * A pixel must never error, so the answer is 204 in every case except one: the caller asked for
 * strict mode (`strict=1` query parameter or `x-tracepool-strict: 1` header) and the event is
 * invalid → 400 with the reason code.
 *
 * Enqueue failure: one immediate retry, then the event is given up and still answered 204. We do
 * not park it in a second store (DynamoDB, say): whatever broke SQS in this region usually breaks
 * that too, and the extra write would sit on every pixel's latency path. Instead the outcome is
 * `lost`, the handler counts it (metric EventsLost) and the whole event is logged as one structured
 * line, so an incident's events can be replayed from CloudWatch Logs if they matter.
 * Give the queue's client a short request timeout and maxAttempts 1-2: this retry is the budget.
 */
import { v7 as uuidv7 } from 'uuid';
import type { EventQueue } from './event-queue';
import { parseEvent, type InvalidReason, type QueuedEvent } from './event-schema';

export interface IngestLogger {
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export interface IngestDeps {
  readonly queue: EventQueue;
  readonly now?: () => number;
  /** UUIDv7 for the given epoch ms by default; injectable for tests. */
  readonly newEventId?: (ms: number) => string;
  readonly log?: IngestLogger;
}

export interface IngestRequest {
  /** The `{type}` path parameter. */
  readonly type: string | undefined;
  /** Query parameters (for POST, the handler may merge form-encoded body fields in). */
  readonly params: Readonly<Record<string, string | undefined>>;
  /** Request headers, names lower-case (as API Gateway v2 delivers them). */
  readonly headers?: Readonly<Record<string, string | undefined>>;
  /** requestContext.http.sourceIp — never X-Forwarded-For, which the client controls. */
  readonly clientIp?: string | undefined;
  readonly userAgent?: string | undefined;
}

export type IngestResult =
  | { readonly status: 204; readonly outcome: 'queued'; readonly eventId: string }
  | { readonly status: 204 | 400; readonly outcome: 'invalid'; readonly reason: InvalidReason }
  | { readonly status: 204; readonly outcome: 'lost'; readonly eventId: string; readonly error: string };

export const STRICT_HEADER = 'x-tracepool-strict';

const truthy = (v: string | undefined) => v === '1' || v?.toLowerCase() === 'true';

export function isStrict(req: IngestRequest): boolean {
  return truthy(req.params.strict) || truthy(req.headers?.[STRICT_HEADER]);
}

const silentLog: IngestLogger = { warn: () => {}, error: () => {} };

export function createIngest(deps: IngestDeps): (req: IngestRequest) => Promise<IngestResult> {
  const now = deps.now ?? Date.now;
  const newEventId = deps.newEventId ?? ((msecs: number) => uuidv7({ msecs }));
  const log = deps.log ?? silentLog;

  const send = (body: string) => deps.queue.send(body);

  return async function ingest(req: IngestRequest): Promise<IngestResult> {
    const receivedAt = now();
    const parsed = parseEvent({
      type: req.type,
      params: req.params,
      clientIp: req.clientIp,
      userAgent: req.userAgent,
      receivedAt,
    });
    if (!parsed.ok) return { status: isStrict(req) ? 400 : 204, outcome: 'invalid', reason: parsed.reason };
    // The click is kept without its revenue: a reason code to count, never the raw value (client input).
    if (parsed.revenueDropped) log.warn('analytics.revenue.dropped', { reason: parsed.revenueDropped, type: parsed.event.type, campaignId: parsed.event.campaignId });

    const message: QueuedEvent = { v: 1, eventId: newEventId(receivedAt), ...parsed.event };
    const body = JSON.stringify(message);
    try {
      await send(body);
    } catch (first) {
      try {
        await send(body);
        log.warn('analytics.enqueue.retried', { eventId: message.eventId, error: errorText(first) });
      } catch (second) {
        log.error('analytics.event.lost', { event: message, error: errorText(second) });
        return { status: 204, outcome: 'lost', eventId: message.eventId, error: errorText(second) };
      }
    }
    return { status: 204, outcome: 'queued', eventId: message.eventId };
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
