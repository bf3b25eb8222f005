/**
 * Where accepted clicks go. SQS first; if SQS fails (after the client's short timeout and one
 * retry) the request is parked in the Ops table, which the retry schedule drains. Only when both
 * fail is the request written to the log in full — CloudWatch Logs keeps it — and counted as lost.
 * The ports and shapes only: no AWS client is imported here, so the click bundle stays lean.
 */
import { QUEUES } from '../../contracts/manifest/queues';
import { isTraceId, newTraceId, type TraceRequest } from './trace-request';

export type SubmitOutcome = 'queued' | 'parked' | 'lost';

export interface TraceRequestSink {
  submit(request: TraceRequest): Promise<SubmitOutcome>;
}

export interface SinkObserver {
  onQueueError?(error: unknown, request: TraceRequest): void;
  onParkError?(error: unknown, request: TraceRequest): void;
}

export const PARKED_PK = 'parked#trace-request';

/** Where a request goes first. */
export interface TraceQueue {
  send(request: TraceRequest): Promise<void>;
}

/** Where it goes when the queue fails; the retry schedule drains it. */
export interface TraceParking {
  park(request: TraceRequest, now: number, reason: string): Promise<void>;
}

/** The SendMessage input for a request: one shape for the SDK client and the click's lean client. */
export const traceRequestMessage = (queueUrl: string, request: TraceRequest, body = JSON.stringify(request)) => ({
  QueueUrl: queueUrl,
  MessageBody: body,
  MessageAttributes: { source: { DataType: 'String', StringValue: request.source } },
});

/**
 * A parked item's key is a UUIDv7 (the traceId, or a fresh one — see PARK_SIGN_WINDOW_MS), so the
 * partition sorts by the time in the key, and the drain (lambdas/pipeline/parked-drain.ts) keeps a
 * cursor over it instead of deleting each click it sends. Its safety rests on one bound: a write
 * of a parked item reaches DynamoDB within a known time of its key's time. Every write of one is
 * signed at most PARK_SIGN_WINDOW_MS (or, for the functions that await their park, their timeout)
 * after that time, and AWS refuses a request whose signature has expired.
 *
 * The click's hand-off may outlive its invocation (the redirect does not wait for it) and so be
 * frozen with the environment and resumed on its next invocation, any time later: its park is then
 * signed with a fresh key instead (LeanParkingTable). A minute is far more than a hand-off takes
 * in a running environment (the queue's fast timeouts, then the DynamoDB attempts: seconds), so
 * only one resumed after a freeze takes a new key.
 */
export const PARK_SIGN_WINDOW_MS = 60_000;

/**
 * How long a parked item is kept after its key's time (DynamoDB TTL), drained or not: the drain
 * does not delete what it sends, TTL does (free, unlike a delete per click). As long as SQS itself
 * would keep a queued message, plus a day for the drain's settle margin (minutes): a click is lost
 * to TTL only if the drain could not send it for two weeks.
 */
export const PARKED_RETENTION_DAYS = QUEUES.TraceRequests.retentionDays + 1;

/** The epoch ms in a UUIDv7 key (its first 48 bits); NaN for any other string. */
export const parkKeyTime = (key: string): number => (isTraceId(key) ? parseInt(key.slice(0, 8) + key.slice(9, 13), 16) : Number.NaN);

/** A bound between keys: every UUIDv7 key of a time before `ms` sorts below it, every other one above. */
export function parkKeyBefore(ms: number): string {
  const hex = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8)}`;
}

/**
 * The Ops item of a parked request. Key: the traceId (time-ordered, so a second write of the same
 * park overwrites instead of duplicating), or `key` when the park has to take a fresh one. The
 * request is kept as the message body the drain sends (a JSON string): one string is read back
 * at about half the cost of a map of the request's attributes.
 */
export const parkedItem = (request: TraceRequest, now: number, reason: string, key = isTraceId(request.traceId) ? request.traceId : newTraceId()) => ({
  pk: PARKED_PK,
  sk: key,
  body: JSON.stringify(request),
  reason,
  parkedAt: now,
  expiresAt: Math.floor(parkKeyTime(key) / 1000) + PARKED_RETENTION_DAYS * 86_400,
});

export class DurableTraceSink implements TraceRequestSink {
  constructor(
    private readonly queue: TraceQueue,
    private readonly parking: TraceParking,
    private readonly clock: () => number,
    private readonly observer: SinkObserver = {},
  ) {}

  async submit(request: TraceRequest): Promise<SubmitOutcome> {
    try {
      await this.queue.send(request);
      return 'queued';
    } catch (queueError) {
      this.observer.onQueueError?.(queueError, request);
      try {
        await this.parking.park(request, this.clock(), errorName(queueError));
        return 'parked';
      } catch (parkError) {
        this.observer.onParkError?.(parkError, request);
        return 'lost';
      }
    }
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 300) : 'unknown';
}
