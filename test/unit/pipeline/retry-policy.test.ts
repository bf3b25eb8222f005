import { afterFailure, budgetAttempt, classifyTaskError, DEFAULT_BACKOFF_MS, judgeResult, releaseOutcomeFor } from '../../../lambdas/pipeline/retry-policy';
import { causeMessage, executionNameFor } from '../../../lambdas/pipeline/pipeline-state';
import type { TraceResult } from '../../../lambdas/tracer/types';

const result = (outcome: TraceResult['outcome'], error?: TraceResult['error']): TraceResult => ({
  outcome,
  finalUrl: 'https://x.example/',
  params: {},
  mode: 'http',
  hops: [],
  adsCompatibility: { ok: true, reasons: [] },
  clickIds: { tracked: [], perHop: [], survived: [], lost: [] },
  proxyBytes: 0,
  ms: 1,
  ...(error ? { error } : {}),
});

describe('retry policy', () => {
  it('backs off 5, 10, 20, 40, 80 minutes, then dead-letters', () => {
    const delays = [1, 2, 3, 4, 5].map((attempt) => {
      const v = afterFailure(attempt, { class: 'offer', message: 'x' }, 0);
      return v.status === 'retry_scheduled' ? v.retryAt! / 60_000 : v.status;
    });
    expect(delays).toEqual([5, 10, 20, 40, 80]);
    expect(afterFailure(6, { class: 'offer', message: 'x' }, 0).status).toBe('dead_lettered');
    expect(DEFAULT_BACKOFF_MS).toHaveLength(5);
  });

  it('fails permanent problems at once', () => {
    expect(judgeResult(result('loop'), 1, 0)).toMatchObject({ status: 'failed', error: { class: 'offer' } });
    expect(judgeResult(result('blocked', { class: 'offer', message: 'refused 10.0.0.1' }), 1, 0)).toMatchObject({ status: 'failed' });
    expect(judgeResult(result('too_many_hops'), 2, 0).status).toBe('failed');
  });

  it('retries errors and timeouts with their class, completes resolved traces', () => {
    expect(judgeResult(result('resolved'), 1, 0)).toEqual({ status: 'completed' });
    expect(judgeResult(result('error', { class: 'proxy', message: '407' }), 1, 0)).toMatchObject({ status: 'retry_scheduled', error: { class: 'proxy' } });
    expect(judgeResult(result('timeout'), 1, 0)).toMatchObject({ status: 'retry_scheduled', error: { class: 'network' } });
  });

  it('only punishes the IP for proxy failures', () => {
    expect(releaseOutcomeFor(undefined)).toBe('success');
    expect(releaseOutcomeFor('proxy')).toBe('proxy_failure');
    expect(releaseOutcomeFor('offer')).toBe('offer_failure');
    for (const cls of ['network', 'internal', 'timeout', 'no_ip'] as const) expect(releaseOutcomeFor(cls)).toBe('network_failure');
  });

  it('classifies Step Functions errors', () => {
    expect(classifyTaskError('NoIpAvailable')).toBe('no_ip');
    expect(classifyTaskError('States.Timeout')).toBe('timeout');
    expect(classifyTaskError('Runtime.ExitError')).toBe('internal');
  });

  it('names executions after the trace and attempt, and reads Lambda causes', () => {
    const base = { v: 1 as const, traceId: 't', offerId: 'o', source: 'click' as const, params: {}, clickedAt: 0, country: 'us', device: 'desktop' as const };
    expect(executionNameFor({ ...base, attempt: 1 })).toBe('t');
    expect(executionNameFor({ ...base, attempt: 3 })).toBe('t-a3');
    expect(causeMessage({ Error: 'TypeError', Cause: JSON.stringify({ errorMessage: 'boom' }) })).toBe('TypeError: boom');
    expect(causeMessage({ Error: 'States.Timeout' })).toBe('States.Timeout');
  });
});

test("a requeued trace's attempts count from the requeue: its whole backoff again, then the dead letter", () => {
  expect(budgetAttempt({ attempt: 3 })).toBe(3);
  expect(budgetAttempt({ attempt: 7, attemptsBeforeRequeue: 6 })).toBe(1);
  expect(budgetAttempt({ attempt: 12, attemptsBeforeRequeue: 6 })).toBe(6);
  // A sweep of a requeued trace still queued (its attempts not yet counted up) is its first attempt.
  expect(budgetAttempt({ attempt: 1, attemptsBeforeRequeue: 6 }, 6)).toBe(1);
  expect(afterFailure(budgetAttempt({ attempt: 7, attemptsBeforeRequeue: 6 }), { class: 'offer', message: '500' }, 0)).toMatchObject({
    status: 'retry_scheduled',
    retryAt: DEFAULT_BACKOFF_MS[0],
  });
  expect(afterFailure(budgetAttempt({ attempt: 12, attemptsBeforeRequeue: 6 }), { class: 'offer', message: '500' }, 0)).toMatchObject({ status: 'dead_lettered' });
});
