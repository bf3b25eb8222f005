/**
 * POST /admin/traces/requeue on DynamoDB Local: the use case and the AdminTraces handler. A
 * requeue moves a final trace to retry_scheduled, due now, once; the retry schedule then sends it
 * with its retries renewed. Bad input is a 400 that changes nothing.
 */
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { BatchWriteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { v7 as uuidv7 } from 'uuid';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { freshQueues, freshTables, localDynamo, localSqs } from '../../support/local-endpoints';
import { TraceRepository } from '../../../lambdas/traces/trace-repository';
import { newTraceId, parseTraceRequest, type TraceRequest } from '../../../lambdas/traces/trace-request';
import type { TraceRecord, TraceStatus } from '../../../lambdas/traces/trace-record';
import { parseSince, requeueTraces, type RequeueOutcome, type RequeueSummary } from '../../../lambdas/admin/trace-requeue';
import { readAdminTracesConfig } from '../../../lambdas/admin/config';
import * as tracesHandler from '../../../lambdas/admin/traces.handler';
import { tableEnv } from '../../../contracts/manifest/env';
import { runRetries } from '../../../lambdas/pipeline/schedules';
import { afterFailure, budgetAttempt, DEFAULT_BACKOFF_MS } from '../../../lambdas/pipeline/retry-policy';
import { recordFailure } from '../../../lambdas/pipeline/tasks';
import { SqsTraceQueue } from '../../../lambdas/traces/trace-queue';
import { chunk } from '../../../lambdas/shared/concurrency';
import type { TableNames } from '../../../local/provision';

const { doc } = localDynamo();
const { client: sqs } = localSqs();
const NOW = Date.parse('2026-12-01T12:00:00Z');
const HOUR = 3_600_000;
const context = { functionName: 'AdminTraces', awsRequestId: 'r', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

function post(body: string | undefined): APIGatewayProxyEventV2 {
  const path = '/admin/traces/requeue';
  return {
    version: '2.0',
    routeKey: `POST ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    requestContext: {
      accountId: '0',
      apiId: 'a',
      domainName: 'd',
      domainPrefix: 'd',
      requestId: 'r',
      routeKey: `POST ${path}`,
      stage: '$default',
      time: '',
      timeEpoch: 0,
      http: { method: 'POST', path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'test' },
    },
    ...(body === undefined ? {} : { body }),
    isBase64Encoded: false,
  };
}

let tables: TableNames;
let traces: TraceRepository;
let handler: Handler;

beforeEach(async () => {
  tables = await freshTables('requeue');
  traces = new TraceRepository({ doc, tableName: tables.Traces, ttlDays: 7 });
  const deps = tracesHandler.makeDeps(readAdminTracesConfig({ [tableEnv('Traces')]: tables.Traces }), { doc });
  handler = tracesHandler.makeHandler({ ...deps, clock: () => NOW }) as unknown as Handler;
});

async function requeue(body: unknown): Promise<{ status: number; body: RequeueSummary & { error?: string; message?: string; details?: unknown } }> {
  const res = await handler(post(typeof body === 'string' ? body : JSON.stringify(body)), context);
  return { status: res.statusCode!, body: JSON.parse(res.body!) };
}

/** A trace as the pipeline leaves it: `attempts` made, now in `status` since `statusAt`. */
function record(status: TraceStatus, over: { offerId?: string; statusAt?: number; attempts?: number; traceId?: string } = {}): TraceRecord {
  const traceId = over.traceId ?? newTraceId();
  const offerId = over.offerId ?? 'shoes';
  const request: TraceRequest = { v: 1, traceId, offerId, source: 'click', params: { gclid: 'g' }, clickedAt: NOW - 5 * HOUR, country: 'us', device: 'desktop', attempt: 1 };
  const attempts = over.attempts ?? 6;
  return {
    traceId,
    offerId,
    source: 'click',
    status,
    statusAt: over.statusAt ?? NOW - HOUR,
    attempts,
    country: 'us',
    device: 'desktop',
    request,
    executionName: attempts > 1 ? `${traceId}-a${attempts}` : traceId,
    error: { class: 'offer', message: 'upstream answered 500' },
    createdAt: request.clickedAt,
    updatedAt: over.statusAt ?? NOW - HOUR,
    // From the real clock: DynamoDB Local deletes expired items, whatever the test's clock says.
    expiresAt: Math.floor(Date.now() / 1000) + 7 * 86_400,
  };
}

async function seed(...records: TraceRecord[]): Promise<void> {
  for (const batch of chunk(records, 25)) {
    await doc.send(new BatchWriteCommand({ RequestItems: { [tables.Traces]: batch.map((Item) => ({ PutRequest: { Item } })) } }));
  }
}

async function everything(): Promise<TraceRecord[]> {
  const out = await doc.send(new ScanCommand({ TableName: tables.Traces, ConsistentRead: true }));
  return ((out.Items ?? []) as TraceRecord[]).sort((a, b) => a.traceId.localeCompare(b.traceId));
}

describe('by trace ids', () => {
  it('requeues failed, dead-lettered and timed-out traces; skips the others and the unknown, with the reason', async () => {
    const dead = record('dead_lettered');
    const failed = record('failed', { attempts: 1 });
    const timeout = record('timeout', { attempts: 2, statusAt: NOW + 10 * 60_000 });
    const completed = record('completed');
    const running = record('running');
    const missing = newTraceId();
    await seed(dead, failed, timeout, completed, running);
    const outcomes: RequeueOutcome[] = [];
    const summary = await requeueTraces(
      { traces, clock: () => NOW, onOutcome: (o) => outcomes.push(o) },
      { kind: 'ids', traceIds: [dead, failed, timeout, completed, running].map((t) => t.traceId).concat(missing) },
    );
    expect(summary).toEqual({ processed: 6, requeued: 3, skipped: 3, failed: 0 });
    expect(summary).not.toHaveProperty('cursor');
    const skips = outcomes.filter((o) => o.result === 'skipped').sort((a, b) => a.traceId.localeCompare(b.traceId));
    expect(skips).toEqual(
      [
        { traceId: completed.traceId, result: 'skipped', reason: 'not_requeueable', status: 'completed' },
        { traceId: running.traceId, result: 'skipped', reason: 'not_requeueable', status: 'running' },
        { traceId: missing, result: 'skipped', reason: 'not_found' },
      ].sort((a, b) => a.traceId.localeCompare(b.traceId)),
    );
    for (const t of [dead, failed, timeout]) {
      const now = await traces.get(t.traceId);
      // Due now, attempts kept (they name the executions), the budget counted from here.
      expect(now).toMatchObject({
        status: 'retry_scheduled',
        statusAt: NOW,
        attempts: t.attempts,
        requeuedAt: NOW,
        requeues: 1,
        request: { attemptsBeforeRequeue: t.attempts },
      });
    }
    expect(await traces.get(completed.traceId)).toEqual(completed);
    expect(await traces.get(running.traceId)).toEqual(running);
  });

  it('the retry schedule sends a requeued trace as a new attempt with its whole backoff ahead', async () => {
    const queues = await freshQueues('requeue');
    const dead = record('dead_lettered', { attempts: 6 });
    await seed(dead);
    expect((await requeue({ traceIds: [dead.traceId] })).body).toEqual({ processed: 1, requeued: 1, skipped: 0, failed: 0 });
    expect(await runRetries({ traces, queue: new SqsTraceQueue(sqs, queues.queues.TraceRequests), clock: () => NOW + 1000 })).toEqual({ requeued: 1, errors: 0 });
    expect(await traces.get(dead.traceId)).toMatchObject({ status: 'queued' });
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queues.queues.TraceRequests, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    const sent = (got.Messages ?? []).map((m) => parseTraceRequest(m.Body!));
    // Attempt 7: an execution name never used. Counted as the first of a fresh budget, so a
    // failure schedules a retry instead of dead-lettering it at once.
    expect(sent).toEqual([expect.objectContaining({ traceId: dead.traceId, attempt: 7, attemptsBeforeRequeue: 6, source: 'retry' })]);
    expect(budgetAttempt(sent[0]!)).toBe(1);
    expect(afterFailure(budgetAttempt(sent[0]!), { class: 'offer', message: '500' }, NOW)).toMatchObject({ status: 'retry_scheduled' });
    expect(afterFailure(sent[0]!.attempt, { class: 'offer', message: '500' }, NOW)).toMatchObject({ status: 'dead_lettered' });

    // The attempt fails in the state machine: RecordFailure schedules a retry, 5 minutes on.
    const executionName = `${dead.traceId}-a7`;
    expect(await traces.markRunning(dead.traceId, 7, executionName, NOW + 2000)).toBe(true);
    const state = { request: sent[0]!, executionName, startedAt: NOW + 2000, error: { Error: 'States.TaskFailed', Cause: 'boom' } };
    expect(await recordFailure({ clock: () => NOW + 3000, traces, config: { backoffMs: DEFAULT_BACKOFF_MS } }, state)).toEqual({ status: 'retry_scheduled' });
    expect(await traces.get(dead.traceId)).toMatchObject({ status: 'retry_scheduled', statusAt: NOW + 3000 + DEFAULT_BACKOFF_MS[0]!, attempts: 7 });
  });

  it('two identical requests at once requeue each trace exactly once; the other answers it as skipped', async () => {
    const batch = Array.from({ length: 40 }, (_, i) => record(i % 2 ? 'dead_lettered' : 'failed'));
    await seed(...batch);
    const body = { traceIds: batch.map((t) => t.traceId) };
    const [a, b] = await Promise.all([requeue(body), requeue(body)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.processed).toBe(40);
    expect(b.body.processed).toBe(40);
    expect(a.body.requeued + b.body.requeued).toBe(40);
    expect(a.body.skipped + b.body.skipped).toBe(40);
    expect(a.body.failed + b.body.failed).toBe(0);
    for (const t of await everything()) expect(t).toMatchObject({ status: 'retry_scheduled', requeues: 1 });
    // And once more, later: nothing left to requeue.
    expect((await requeue(body)).body).toEqual({ processed: 40, requeued: 0, skipped: 40, failed: 0 });
    for (const t of await everything()) expect(t.requeues).toBe(1);
  });
});

describe('by offer and status', () => {
  it("requeues only the offer's traces of that status since `since`", async () => {
    const mine = record('dead_lettered', { offerId: 'shoes', statusAt: NOW - 2 * HOUR });
    const old = record('dead_lettered', { offerId: 'shoes', statusAt: NOW - 30 * HOUR });
    const otherStatus = record('failed', { offerId: 'shoes' });
    const otherOffer = record('dead_lettered', { offerId: 'hats' });
    await seed(mine, old, otherStatus, otherOffer);
    const res = await requeue({ offerId: 'shoes', status: 'dead_lettered' });
    expect(res).toEqual({ status: 200, body: { processed: 1, requeued: 1, skipped: 0, failed: 0 } });
    expect((await traces.get(mine.traceId))!.status).toBe('retry_scheduled');
    for (const t of [old, otherStatus, otherOffer]) expect(await traces.get(t.traceId)).toEqual(t);
    // A wider window takes the older one too; as ISO time and as epoch ms alike.
    expect((await requeue({ offerId: 'shoes', status: 'dead_lettered', since: new Date(NOW - 31 * HOUR).toISOString() })).body.requeued).toBe(1);
    expect((await traces.get(old.traceId))!.status).toBe('retry_scheduled');
    expect((await requeue({ offerId: 'hats', status: 'dead_lettered', since: NOW - 2 * HOUR })).body.requeued).toBe(1);
  });

  it("finds an offer's few traces among many of other offers, page by page", async () => {
    const others = Array.from({ length: 150 }, (_, i) => record('failed', { offerId: 'hats', statusAt: NOW - HOUR + i }));
    const mine = [record('failed', { offerId: 'shoes', statusAt: NOW - HOUR + 75 }), record('failed', { offerId: 'shoes', statusAt: NOW - HOUR + 200 })];
    await seed(...others, ...mine);
    const totals = { processed: 0, requeued: 0 };
    let cursor: string | undefined;
    let calls = 0;
    do {
      const { body } = await requeue({ offerId: 'shoes', status: 'failed', ...(cursor ? { cursor } : {}) });
      totals.processed += body.processed;
      totals.requeued += body.requeued;
      cursor = body.cursor;
      calls++;
    } while (cursor && calls < 10);
    expect(totals).toEqual({ processed: 2, requeued: 2 });
    for (const t of mine) expect((await traces.get(t.traceId))!.status).toBe('retry_scheduled');
    expect((await everything()).filter((t) => t.offerId === 'hats').every((t) => t.status === 'failed')).toBe(true);
  });
});

describe('all of a status', () => {
  it('handles a bounded page per call and answers a cursor until none remain', async () => {
    const batch = Array.from({ length: 230 }, (_, i) => record('dead_lettered', { statusAt: NOW - 2 * HOUR + i, traceId: uuidv7({ msecs: NOW - 5 * HOUR + i }) }));
    const completed = record('completed');
    await seed(...batch, completed);
    const pages: RequeueSummary[] = [];
    let cursor: string | undefined;
    do {
      const res = await requeue({ all: true, status: 'dead_lettered', since: '24h', ...(cursor ? { cursor } : {}) });
      expect(res.status).toBe(200);
      pages.push(res.body);
      cursor = res.body.cursor;
    } while (cursor && pages.length < 10);
    expect(pages.map((p) => p.processed)).toEqual(expect.arrayContaining([100, 100]));
    expect(pages.slice(0, 2).every((p) => p.cursor)).toBe(true);
    expect(pages.at(-1)!.cursor).toBeUndefined();
    expect(pages.reduce((n, p) => n + p.requeued, 0)).toBe(230);
    expect(pages.reduce((n, p) => n + p.skipped + p.failed, 0)).toBe(0);
    const after = await everything();
    expect(after.filter((t) => t.status === 'retry_scheduled')).toHaveLength(230);
    expect(after.every((t) => t.traceId === completed.traceId || t.requeues === 1)).toBe(true);
    expect(await traces.get(completed.traceId)).toEqual(completed);
  });
});

describe('bad input', () => {
  const cases: [string, unknown, RegExp][] = [
    ['no body', undefined, /a JSON body is required/],
    ['invalid JSON', '{"traceIds": [', /not valid JSON/],
    ['an array', '[]', /must be a JSON object/],
    ['no selection', {}, /give \{"traceIds"/],
    ['two selections', { traceIds: ['x'], all: true, status: 'failed' }, /only one of traceIds, all/],
    ['a bad trace id', { traceIds: ['nope'] }, /traceIds\.0: must be a trace id/],
    ['empty ids', { traceIds: [] }, /traceIds must not be empty/],
    ['too many ids', { traceIds: Array.from({ length: 101 }, () => newTraceId()) }, /at most 100 traceIds/],
    ['since with ids', { traceIds: [newTraceId()], since: '24h' }, /since/],
    ['a status not requeueable', { all: true, status: 'completed' }, /status must be one of failed, dead_lettered, timeout/],
    ['no status', { offerId: 'shoes' }, /status must be one of/],
    ['all false', { all: false, status: 'failed' }, /all must be true/],
    ['a bad offer id', { offerId: 'no such/offer', status: 'failed' }, /offerId: invalid offer id/],
    ['a bad since', { all: true, status: 'failed', since: 'yesterday' }, /since must be an ISO time/],
    ['since in the future', { all: true, status: 'failed', since: new Date(NOW + HOUR).toISOString() }, /since is in the future/],
    ['an unknown field', { all: true, status: 'failed', limit: 5 }, /limit/],
    ['a garbage cursor', { all: true, status: 'failed', cursor: 'not-a-cursor' }, /invalid cursor/],
    [
      "another status's cursor",
      { all: true, status: 'failed', cursor: Buffer.from(JSON.stringify({ traceId: newTraceId(), status: 'dead_lettered', statusAt: 1 })).toString('base64url') },
      /invalid cursor/,
    ],
  ];

  it.each(cases)('%s: 400 with a clear message, nothing changed', async (_name, body, message) => {
    const seeded = [record('dead_lettered'), record('failed')];
    await seed(...seeded);
    const res = await requeue(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('bad_request');
    expect(res.body.message).toMatch(message);
    expect(await everything()).toEqual([...seeded].sort((a, b) => a.traceId.localeCompare(b.traceId)));
  });
});

describe('since', () => {
  it('reads ISO times, epoch ms and durations back from now; 24h by default', () => {
    expect(parseSince(undefined, NOW)).toBe(NOW - 24 * HOUR);
    expect(parseSince('30m', NOW)).toBe(NOW - 30 * 60_000);
    expect(parseSince('7d', NOW)).toBe(NOW - 7 * 24 * HOUR);
    expect(parseSince('2026-12-01T10:00:00Z', NOW)).toBe(NOW - 2 * HOUR);
    expect(parseSince(NOW - 5, NOW)).toBe(NOW - 5);
    expect(parseSince(String(NOW - 5), NOW)).toBe(NOW - 5);
    expect(() => parseSince('24 hours', NOW)).toThrow(/since must be/);
    expect(() => parseSince(-1, NOW)).toThrow(/since must be/);
  });
});
