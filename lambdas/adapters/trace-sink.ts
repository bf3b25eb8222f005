/**
 * Where accepted clicks go. SQS first; if SQS fails (after the client's short timeout and one
 * retry) the request is parked in the Ops table, which the retry schedule drains. Only when both
 * fail is the request written to the log in full — CloudWatch Logs keeps it — and counted as lost.
 * The ports and shapes only: no AWS client is imported here, so the click bundle stays lean.
 */
import type { TraceRequest } from '../trace-requests/trace-request';

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
export const traceRequestMessage = (queueUrl: string, request: TraceRequest) => ({
  QueueUrl: queueUrl,
  MessageBody: JSON.stringify(request),
  MessageAttributes: { source: { DataType: 'String', StringValue: request.source } },
});

/** The Ops item of a parked request. sk = traceId: a second park of the same request overwrites instead of duplicating. */
export const parkedItem = (request: TraceRequest, now: number, reason: string) => ({
  pk: PARKED_PK,
  sk: request.traceId,
  request,
  reason,
  parkedAt: now,
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
