import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { v7 as uuidv7 } from 'uuid';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { freshQueues, freshTables, localDynamo, localSqs } from '../../support/local-endpoints';
import { TraceRepository } from '../../../lambdas/traces/trace-repository';
import { newTraceId, parseTraceRequest, type TraceRequest } from '../../../lambdas/traces/trace-request';
import { runRetries, sweepTimeouts } from '../../../lambdas/pipeline/schedules';
import { ParkedRequestTable, SqsTraceQueue } from '../../../lambdas/traces/trace-queue';
import { drainParked, PARKED_SETTLE_MS } from '../../../lambdas/pipeline/parked-drain';
import { PARKED_PK } from '../../../lambdas/traces/trace-sink';
import type { TraceResult } from '../../../lambdas/tracer/types';
import { buildResult } from '../../../lambdas/tracer/result';

const { doc } = localDynamo();
const { client: sqs } = localSqs();

const request = (over: Partial<TraceRequest> = {}): TraceRequest => ({
  v: 1,
  traceId: newTraceId(),
  offerId: 'o1',
  source: 'click',
  params: { gclid: 'g' },
  clickedAt: 1000,
  country: 'us',
  device: 'desktop',
  attempt: 1,
  ...over,
});
const result: TraceResult = {
  outcome: 'resolved',
  finalUrl: 'https://land.example/?a=1',
  params: { a: '1' },
  mode: 'http',
  hops: [{ url: 'https://t.example/', status: 302, kind: 'start', ms: 3 }],
  adsCompatibility: { ok: true, reasons: [] },
  clickIds: { tracked: [], perHop: [], survived: [], lost: [] },
  proxyBytes: 10,
  ms: 5,
};
const lease = (fence: number) => ({ ipId: 'ip1', fence, provider: 'p', country: 'us' });

async function repo() {
  const tables = await freshTables('traces');
  return { tables, traces: new TraceRepository({ doc, tableName: tables.Traces, ttlDays: 7 }) };
}

describe('trace repository on DynamoDB Local', () => {
  it('enqueues once; a redelivered message for a started trace is refused', async () => {
    const { traces } = await repo();
    const r = request();
    expect(await traces.enqueue(r, 2000)).toBe(true);
    expect(await traces.enqueue(r, 2001)).toBe(true); // still queued: the duplicate may start (and be deduplicated by name)
    expect(await traces.markRunning(r.traceId, 1, r.traceId, 2002)).toBe(true);
    expect(await traces.enqueue(r, 2003)).toBe(false);
    expect(await traces.get(r.traceId)).toMatchObject({ status: 'running', attempts: 1, executionName: r.traceId, createdAt: 1000 });
  });

  it('refuses a second execution and lets the same one retry its step', async () => {
    const { traces } = await repo();
    const r = request();
    await traces.enqueue(r, 1);
    expect(await traces.markRunning(r.traceId, 1, 'exec-a', 2)).toBe(true);
    expect(await traces.markRunning(r.traceId, 1, 'exec-a', 3)).toBe(true);
    expect(await traces.markRunning(r.traceId, 1, 'exec-b', 4)).toBe(false);
  });

  it('stores a result only under the current lease fence and execution', async () => {
    const { traces } = await repo();
    const r = request();
    await traces.enqueue(r, 1);
    await traces.markRunning(r.traceId, 1, 'e1', 2);
    await traces.recordLease(r.traceId, 'e1', lease(7), 3, 1);
    const next = { status: 'completed' as const, statusAt: 4 };
    expect(await traces.storeResult(r.traceId, { executionName: 'e1', fence: 6 }, result, next, {}, 4)).toBe(false);
    expect(await traces.storeResult(r.traceId, { executionName: 'e0', fence: 7 }, result, next, {}, 4)).toBe(false);
    expect(await traces.storeResult(r.traceId, { executionName: 'e1', fence: 7 }, result, next, { totalMs: 3 }, 4)).toBe(true);
    // A late duplicate of the same step cannot overwrite what is stored.
    expect(await traces.storeResult(r.traceId, { executionName: 'e1', fence: 7 }, { ...result, finalUrl: 'x' }, next, {}, 5)).toBe(false);
    expect(await traces.get(r.traceId)).toMatchObject({ status: 'completed', finalUrl: 'https://land.example/?a=1', ip: lease(7), timings: { totalMs: 3 } });
  });

  it('stores what was cut, and a later attempt without cuts clears the mark', async () => {
    const { tables, traces } = await repo();
    const r = request();
    await traces.enqueue(r, 1);
    // A result from pages that send far too much: cut by the tracer to fit (limits.ts).
    const huge = `https://shop.example/?${'%00'.repeat(50_000)}&${Array.from({ length: 10_000 }, (_, i) => `p${i}=${'v'.repeat(20)}`).join('&')}`;
    const hops = Array.from({ length: 100 }, (_, i) => ({
      url: `https://h${i}.example/?${'y'.repeat(5_000)}`,
      status: 200,
      kind: i ? ('js' as const) : ('start' as const),
      ms: 1,
    }));
    const worst = buildResult({ outcome: 'resolved', finalUrl: huge, mode: 'http', hops, proxyBytes: 1, ms: 1, error: { class: 'offer', message: 'x'.repeat(300_000) } });
    expect(worst.truncated).toMatchObject({ finalUrl: expect.any(Number), hops: 75, params: expect.any(Number) });

    await traces.markRunning(r.traceId, 1, 'e1', 2);
    await traces.recordLease(r.traceId, 'e1', lease(1), 3, 1);
    const failed = { status: 'failed' as const, statusAt: 4, error: { class: 'offer' as const, message: worst.error!.message } };
    expect(await traces.storeResult(r.traceId, { executionName: 'e1', fence: 1 }, worst, failed, {}, 4)).toBe(true);
    expect(await traces.get(r.traceId)).toMatchObject({ status: 'failed', outcome: 'error', truncated: worst.truncated });

    // A later attempt (running again, as an operator's retry would make it) stores a whole result:
    // the earlier cuts and error do not stick to it.
    await doc.send(new PutCommand({ TableName: tables.Traces, Item: { ...(await traces.get(r.traceId))!, status: 'running', executionName: 'e2', ip: lease(2) } }));
    expect(await traces.storeResult(r.traceId, { executionName: 'e2', fence: 2 }, result, { status: 'completed', statusAt: 6 }, {}, 6)).toBe(true);
    const stored = await traces.get(r.traceId);
    expect(stored).toMatchObject({ status: 'completed', finalUrl: result.finalUrl });
    expect(stored?.truncated).toBeUndefined();
    expect(stored?.error).toBeUndefined();
  });

  it('re-enqueues due retries and timeouts, and the parked clicks are sent on', async () => {
    const [{ tables, traces }, queues] = await Promise.all([repo(), freshQueues('retries')]);
    const due = request();
    const later = request();
    const timedOut = request();
    for (const r of [due, later, timedOut]) {
      await traces.enqueue(r, 1);
      await traces.markRunning(r.traceId, 1, r.traceId, 2);
    }
    await traces.recordFailure(due.traceId, { statuses: ['running'] }, { status: 'retry_scheduled', statusAt: 100, error: { class: 'offer', message: '500' } }, 3);
    await traces.recordFailure(later.traceId, { statuses: ['running'] }, { status: 'retry_scheduled', statusAt: 10_000, error: { class: 'offer', message: '500' } }, 3);
    const swept = await sweepTimeouts({ traces, clock: () => 5000, runningDeadlineMs: 1000, backoffMs: [50], batchLimit: 10 });
    expect(swept).toEqual({ timedOut: 1, deadLettered: 0 });
    // Parked before the settle margin, as a map (how items were parked before the body was a string).
    const parked = request({ traceId: uuidv7({ msecs: Date.now() - PARKED_SETTLE_MS - 60_000 }) });
    await doc.send(new PutCommand({ TableName: tables.Ops, Item: { pk: PARKED_PK, sk: parked.traceId, request: parked } }));

    const queue = new SqsTraceQueue(sqs, queues.queues.TraceRequests);
    expect(await runRetries({ traces, queue, clock: () => 6000 })).toEqual({ requeued: 2, errors: 0 });
    const drained = await drainParked({ store: new ParkedRequestTable(doc, tables.Ops), queue, clock: Date.now, stopAt: Date.now() + 60_000 });
    expect(drained).toMatchObject({ sent: 1, complete: true });
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queues.queues.TraceRequests, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    const sent = (got.Messages ?? []).map((m) => parseTraceRequest(m.Body!));
    expect(sent.map((r) => [r.traceId, r.attempt, r.source]).sort()).toEqual(
      [
        [due.traceId, 2, 'retry'],
        [timedOut.traceId, 2, 'retry'],
        [parked.traceId, 1, 'click'],
      ].sort(),
    );
    expect((await traces.get(due.traceId))!.status).toBe('queued');
    expect((await traces.get(timedOut.traceId))!.status).toBe('queued');
    expect((await traces.get(later.traceId))!.status).toBe('retry_scheduled');
  });

  it('dead-letters a stuck trace whose retries are used up', async () => {
    const { traces } = await repo();
    const r = request({ attempt: 6 });
    await traces.enqueue(r, 1);
    await traces.markRunning(r.traceId, 6, 'e6', 2);
    expect(await sweepTimeouts({ traces, clock: () => 10_000, runningDeadlineMs: 1000, backoffMs: [1, 1, 1, 1, 1] })).toEqual({ timedOut: 0, deadLettered: 1 });
    expect(await traces.get(r.traceId)).toMatchObject({ status: 'dead_lettered', error: { class: 'timeout' } });
  });
});
