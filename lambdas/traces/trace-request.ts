/**
 * The trace request: what a click (or a webhook, or the retry schedule) asks the pipeline to do.
 * Versioned, because messages outlive deployments in the queue and in the parking table.
 */
import { v7 as uuidv7 } from 'uuid';

export type TraceSource = 'click' | 'webhook' | 'retry' | 'manual';
export type DeviceClass = 'desktop' | 'mobile';

export interface TraceRequest {
  readonly v: 1;
  /** Time-ordered (UUIDv7): sorts by click time and names the Step Functions execution. */
  readonly traceId: string;
  readonly offerId: string;
  readonly source: TraceSource;
  /** The inbound passthrough parameters (click ids, utm_*), already sanitised. */
  readonly params: Readonly<Record<string, string>>;
  readonly clickedAt: number;
  /** ISO alpha-2 lower case, or 'any' when the click's country is unknown. */
  readonly country: string;
  readonly device: DeviceClass;
  /** 1 for the first attempt; the retry schedule increments it. */
  readonly attempt: number;
  /**
   * Attempts made before an operator requeued the trace (POST /admin/traces/requeue): the retry
   * policy counts this attempt's place in its backoff from there, so a requeued trace has its
   * retries again, while `attempt` keeps growing and every execution keeps a name of its own.
   */
  readonly attemptsBeforeRequeue?: number;
  /** Set for Trackier webhooks: which pair's outbound campaign to update. */
  readonly pair?: { readonly offerId: string; readonly pairNumber: number };
  /**
   * Clicks on `auto` offers with no trusted country header: the clicker's address, which the
   * starter turns into `country` (geo database) and then drops, so the trace record never holds it.
   */
  readonly clientIp?: string;
  /** Clicks: the offer's trace budget when the click was made (the starter applies it). */
  readonly maxTracesPerMinute?: number;
}

export const newTraceId = (): string => uuidv7();

const TRACE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export const isTraceId = (value: string): boolean => TRACE_ID.test(value);

/** Parses a queued message body; throws on anything that is not a v1 trace request. */
export function parseTraceRequest(body: string): TraceRequest {
  const value = JSON.parse(body) as Partial<TraceRequest>;
  if (
    value?.v !== 1 ||
    typeof value.traceId !== 'string' ||
    !isTraceId(value.traceId) ||
    typeof value.offerId !== 'string' ||
    typeof value.clickedAt !== 'number' ||
    typeof value.country !== 'string' ||
    typeof value.params !== 'object' ||
    value.params === null
  ) {
    throw new Error('not a v1 trace request');
  }
  return value as TraceRequest;
}
