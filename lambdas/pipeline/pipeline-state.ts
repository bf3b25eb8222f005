/**
 * The state that flows through the "trace" state machine (lib/constructs/trace-pipeline.ts).
 * Each task reads what it needs and its result lands at the path named here (ResultPath).
 */
import type { TraceRequest } from '../traces/trace-request';
import type { Lease } from '../lease/lease-pool';
import type { ReleaseOutcome } from '../lease/ip-item';
import type { TraceMode, TraceResult } from '../tracer/types';
import type { BrowserCookie } from '../tracer/browser-tracer';
import type { TraceStatus } from '../traces/trace-record';
import { clipText, LIMITS, type Truncation } from '../tracer/limits';

/** The execution input, written by the starter. */
export interface ExecutionInput {
  readonly request: TraceRequest;
  readonly executionName: string;
  /** When the starter started this execution (epoch ms). */
  readonly startedAt: number;
}

/**
 * What the tracers need from the offer, read by AcquireLease (which reads the offer anyway) so the
 * functions that run hostile pages read no table at all. Small on purpose: it travels in every
 * state transition of the execution.
 */
export interface TraceTarget {
  /** The offer's tracking URL; the click's parameters are merged in when the trace starts. */
  readonly trackingUrl: string;
  /** The offer's exact passthrough names: tracked like click ids along the chain. */
  readonly clickIdParams: readonly string[];
  /** The offer's trace policy mode. */
  readonly mode: 'auto' | 'http' | 'browser';
  /** auto only: the mode that last resolved this version of the offer (TracerMemory). */
  readonly learnedMode?: TraceMode;
  /** The offer's updatedAt: what the mode is learned for (an edited offer is learned afresh). */
  readonly offerVersion: number;
}

/**
 * $.lease — AcquireLease's result: the lease, and the trace target riding along (one task writes
 * one ResultPath; a separate Pass state would cost a transition per trace). `target` is absent in
 * executions that acquired their lease before it existed.
 */
export type LeaseState = Omit<Lease, 'reused'> & {
  /** When the lease starts: the grant, or the end of the cooldown a reservation waits for. */
  readonly acquiredAt: number;
  /** acquiredAt as an ISO timestamp: the Wait state after AcquireLease waits until then. */
  readonly notBefore?: string;
  readonly target?: TraceTarget;
};

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

/**
 * $.release — ReleaseLease's result, which StoreResult reads: a lease that was lost (expired and
 * granted to another trace before the release) means the trace ran partly without it.
 */
export interface ReleaseState {
  readonly outcome: ReleaseOutcome;
  readonly released: boolean;
  /** Why nothing changed (released false): `lease_lost`, or `already_released` (a retried release). */
  readonly reason?: 'lease_lost' | 'already_released';
  readonly markedUnhealthy?: boolean;
  /** When the release was made (epoch ms). */
  readonly at?: number;
}

/** $.stored — StoreResult's (or RecordFailure's) verdict. */
export interface StoredState {
  readonly status: TraceStatus | 'superseded';
  readonly finalUrl?: string;
  readonly params?: Record<string, string>;
  /** The result's cuts: whoever uses finalUrl/params downstream (Trackier) must check them. */
  readonly truncated?: Truncation;
  /** The lease was lost before the release: the result was not kept (class lease_lost). */
  readonly leaseLost?: boolean;
}

/** $.error — what a Catch put there. */
export interface CaughtError {
  readonly Error?: string;
  readonly Cause?: string;
}

export interface PipelineState extends ExecutionInput {
  readonly lease?: LeaseState;
  readonly trace?: TraceState;
  readonly release?: ReleaseState;
  /** ReleaseLease failed after its retries (its Catch): whether the lease held is not known. */
  readonly releaseError?: CaughtError;
  readonly stored?: StoredState;
  readonly error?: CaughtError;
}

/** Execution names: the traceId for the first attempt, `<traceId>-a<n>` for retries. */
export const executionNameFor = (request: TraceRequest): string => (request.attempt <= 1 ? request.traceId : `${request.traceId}-a${request.attempt}`);

/**
 * A readable message out of a Catch's Cause (a JSON errorMessage from Lambda, or text), bounded:
 * a Cause can carry whatever an error message picked up (a URL, a page's text).
 */
export function causeMessage(error: CaughtError | undefined): string {
  const name = clipText(error?.Error ?? 'Error', 256);
  const cause = error?.Cause ?? '';
  let message = `${name}${cause ? `: ${cause}` : ''}`;
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed?.errorMessage === 'string' && parsed.errorMessage) message = `${name}: ${parsed.errorMessage}`;
  } catch {
    // not JSON
  }
  return clipText(message, LIMITS.errorMessageBytes);
}
