/**
 * The state that flows through the "trace" state machine (lib/constructs/trace-pipeline.ts).
 * Each task reads what it needs and its result lands at the path named here (ResultPath).
 */
import type { TraceRequest } from '../trace-requests/trace-request';
import type { Lease } from '../lease/lease-pool';
import type { TraceResult } from '../tracer/types';
import type { BrowserCookie } from '../tracer/browser-tracer';
import type { TraceStatus } from '../traces/trace-record';

/** The execution input, written by the starter. */
export interface ExecutionInput {
  readonly request: TraceRequest;
  readonly executionName: string;
  /** When the starter started this execution (epoch ms). */
  readonly startedAt: number;
}

/** $.lease — AcquireLease's result. */
export type LeaseState = Lease & { readonly acquiredAt: number };

/** $.trace — TraceHttp's result, replaced by TraceBrowser's when the browser was needed. */
export interface TraceState {
  readonly needsBrowser: boolean;
  /** Where the browser starts (the page HTTP could not get past, or the tracking URL). */
  readonly browserStartUrl?: string;
  readonly cookies?: BrowserCookie[];
  /** The HTTP part (when HTTP ran), or the final result. */
  readonly result?: TraceResult;
  readonly traceMs: number;
}

/** $.stored — StoreResult's (or RecordFailure's) verdict. */
export interface StoredState {
  readonly status: TraceStatus | 'superseded';
  readonly finalUrl?: string;
  readonly params?: Record<string, string>;
}

/** $.error — what a Catch put there. */
export interface CaughtError {
  readonly Error?: string;
  readonly Cause?: string;
}

export interface PipelineState extends ExecutionInput {
  readonly lease?: LeaseState;
  readonly trace?: TraceState;
  readonly stored?: StoredState;
  readonly error?: CaughtError;
}

/** Execution names: the traceId for the first attempt, `<traceId>-a<n>` for retries. */
export const executionNameFor = (request: TraceRequest): string =>
  request.attempt <= 1 ? request.traceId : `${request.traceId}-a${request.attempt}`;

/** A readable message out of a Catch's Cause (a JSON errorMessage from Lambda, or text). */
export function causeMessage(error: CaughtError | undefined): string {
  const cause = error?.Cause ?? '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string };
    if (parsed.errorMessage) return `${error?.Error ?? 'Error'}: ${parsed.errorMessage}`;
  } catch {
    // not JSON
  }
  return `${error?.Error ?? 'Error'}${cause ? `: ${cause}` : ''}`.slice(0, 500);
}
