/**
 * The pipeline's schedules.
 * - retries (every 5 minutes): due retries and timeouts re-enqueued. Each trace is marked queued
 *   first and sent second: the starter only starts a queued trace, so a message it receives before
 *   the mark would be dropped as "already done" and the trace left for the sweep. A send that
 *   fails puts the trace back as it was; a crash between mark and send leaves it queued, and the
 *   maintenance sweep times it out and retries it. Clicks parked while SQS was down are drained by
 *   parked-drain.ts in the same run.
 * - maintenance (every minute): traces stuck running (or queued) past the deadline become
 *   timeouts, which the retry schedule retries or dead-letters.
 */
import type { TraceRepository } from '../traces/trace-repository';
import type { TraceRecord } from '../traces/trace-record';
import type { TraceRequest } from '../traces/trace-request';
import type { TraceQueue } from '../traces/trace-sink';
import { afterFailure, budgetAttempt } from './retry-policy';

export interface RetryDeps {
  readonly traces: TraceRepository;
  readonly queue: TraceQueue;
  readonly clock: () => number;
  /** @default 200 */
  readonly batchLimit?: number;
}

export interface RetryRunSummary {
  requeued: number;
  errors: number;
}

export async function runRetries(deps: RetryDeps): Promise<RetryRunSummary> {
  const now = deps.clock();
  const limit = deps.batchLimit ?? 200;
  const summary: RetryRunSummary = { requeued: 0, errors: 0 };
  const due = [...(await deps.traces.byStatus('retry_scheduled', { before: now, limit })), ...(await deps.traces.byStatus('timeout', { before: now, limit }))];
  for (const record of due) {
    try {
      const request: TraceRequest = { ...record.request, source: 'retry', attempt: Math.max(record.attempts, record.request.attempt) + 1 };
      if (!(await requeue(deps, record, now))) continue; // another run (or an operator) moved it on
      try {
        await deps.queue.send(request);
        summary.requeued++;
      } catch (error) {
        summary.errors++;
        // No message, so no starter: back to where it was, for the next run. (Should SQS have
        // accepted it after all, a starter that already marked it running keeps it.)
        await deps.traces.unqueue(record.traceId, now, { status: record.status, statusAt: record.statusAt }).catch(() => undefined);
      }
    } catch {
      summary.errors++;
    }
  }
  return summary;
}

async function requeue(deps: RetryDeps, record: TraceRecord, now: number): Promise<boolean> {
  // timeout and retry_scheduled both go back to queued; the repository guards on the due time.
  if (record.status === 'timeout') {
    return deps.traces.recordFailure(
      record.traceId,
      { statuses: ['timeout'] },
      { status: 'queued', statusAt: now, error: record.error ?? { class: 'timeout', message: 'timed out' } },
      now,
    );
  }
  return deps.traces.requeue(record.traceId, record.statusAt, now);
}

export interface MaintenanceDeps {
  readonly traces: TraceRepository;
  readonly clock: () => number;
  readonly runningDeadlineMs: number;
  readonly backoffMs: readonly number[];
  /** @default 200 */
  readonly batchLimit?: number;
}

export async function sweepTimeouts(deps: MaintenanceDeps): Promise<{ timedOut: number; deadLettered: number }> {
  const now = deps.clock();
  const cutoff = now - deps.runningDeadlineMs;
  const limit = deps.batchLimit ?? 200;
  const stuck = [...(await deps.traces.byStatus('running', { before: cutoff, limit })), ...(await deps.traces.byStatus('queued', { before: cutoff, limit }))];
  let timedOut = 0;
  let deadLettered = 0;
  for (const record of stuck) {
    // Counted from the operator's last requeue, as the tasks count it (retry-policy.ts).
    const attempt = budgetAttempt(record.request, record.attempts);
    const verdict = afterFailure(
      attempt,
      { class: 'timeout', message: `no result ${Math.round((now - record.statusAt) / 1000)} s after ${record.status}` },
      now,
      deps.backoffMs,
    );
    if (verdict.status === 'completed') continue;
    const next = verdict.status === 'retry_scheduled' ? 'timeout' : verdict.status;
    const moved = await deps.traces.recordFailure(
      record.traceId,
      { statuses: [record.status] },
      { status: next, statusAt: verdict.retryAt ?? now, error: verdict.error },
      now,
    );
    if (moved && next === 'timeout') timedOut++;
    if (moved && next === 'dead_lettered') deadLettered++;
  }
  return { timedOut, deadLettered };
}
