/**
 * What happens after an attempt: completed, retried later with exponential backoff, failed for
 * good, or dead-lettered once the retries are used up. And which failures count against the IP.
 */
import type { ReleaseOutcome } from '../lease/ip-item';
import type { TraceResult } from '../tracer/types';
import type { FailureClass, TraceStatus } from '../traces/trace-record';
import type { TraceRequest } from '../traces/trace-request';

/** Delays before attempts 2..6 (5, 10, 20, 40, 80 minutes: the schedule operators already expect). */
export const DEFAULT_BACKOFF_MS = [5, 10, 20, 40, 80].map((m) => m * 60_000);

export type AttemptVerdict =
  | { readonly status: 'completed' }
  | { readonly status: 'failed' | 'retry_scheduled' | 'dead_lettered'; readonly error: { class: FailureClass; message: string }; readonly retryAt?: number };

/**
 * After attempt `attempt` failed with `failure`: retry while backoff steps remain, then dead-letter.
 * `permanent` failures (the chain itself is broken in a way retrying cannot fix) fail at once.
 */
export function afterFailure(
  attempt: number,
  failure: { class: FailureClass; message: string; permanent?: boolean },
  now: number,
  backoffMs: readonly number[] = DEFAULT_BACKOFF_MS,
): AttemptVerdict {
  const error = { class: failure.class, message: failure.message.slice(0, 500) };
  if (failure.permanent) return { status: 'failed', error };
  const delay = backoffMs[attempt - 1];
  if (delay === undefined) return { status: 'dead_lettered', error };
  return { status: 'retry_scheduled', error, retryAt: now + delay };
}

/** Outcomes that no retry will change: the offer's chain is broken or forbidden. */
const PERMANENT_OUTCOMES = new Set<TraceResult['outcome']>(['loop', 'too_many_hops', 'blocked']);

export function judgeResult(result: TraceResult, attempt: number, now: number, backoffMs?: readonly number[]): AttemptVerdict {
  if (result.outcome === 'resolved') return { status: 'completed' };
  const cls: FailureClass = result.error?.class ?? (result.outcome === 'timeout' ? 'network' : 'offer');
  return afterFailure(
    attempt,
    {
      class: cls,
      message: result.error?.message ?? `trace ended with outcome ${result.outcome}`,
      // A chain that leads to an over-long URL (cut in the result) leads there again: no retry.
      permanent: PERMANENT_OUTCOMES.has(result.outcome) || (result.truncated?.finalUrl !== undefined && cls === 'offer'),
    },
    now,
    backoffMs,
  );
}

/**
 * The attempt's place in the retry budget: its number, counted from the operator's last requeue
 * (trace-request.ts), so a requeued trace gets the whole backoff again. At least 1.
 */
export function budgetAttempt(request: Pick<TraceRequest, 'attempt' | 'attemptsBeforeRequeue'>, attempt = request.attempt): number {
  return Math.max(1, attempt - (request.attemptsBeforeRequeue ?? 0));
}

/** Only proxy failures punish the IP; offer, network and our own failures never do. */
export function releaseOutcomeFor(cls: FailureClass | undefined): ReleaseOutcome {
  switch (cls) {
    case undefined:
      return 'success';
    case 'proxy':
      return 'proxy_failure';
    case 'offer':
      return 'offer_failure';
    default:
      return 'network_failure';
  }
}

/** Step Functions error names (Catch → $.error.Error) to a failure class. */
export function classifyTaskError(errorName: string | undefined): FailureClass {
  if (errorName === 'NoIpAvailable') return 'no_ip';
  if (errorName === 'States.Timeout' || errorName === 'Sandbox.Timedout') return 'timeout';
  return 'internal';
}

export const FINAL_STATUSES: readonly TraceStatus[] = ['completed', 'failed', 'dead_lettered'];
