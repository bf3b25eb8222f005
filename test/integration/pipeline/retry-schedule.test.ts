/**
 * The retry schedule on the local DynamoDB and SQS: parked clicks drained page after page in one
 * run (through the real handler and its wiring, built from the function's variables) by a cursor, not deletes, with TTL left to remove
 * the items; stopped by the deadline and continued by the next run; only clicks older than the
 * settle margin read, so one parked late still lands above the cursor (or takes a fresh key when
 * it could not be signed in time) and is drained; a crash between the sends and the cursor write
 * sends clicks twice, never loses one; a failed send or a refused click loses nothing and sends
 * nothing twice; two runs at once never both drain. And a retried trace marked queued before its
 * message exists, so a starter that receives it at once starts it.
 */
import type { Context } from 'aws-lambda';
import { v7 as uuidv7 } from 'uuid';
import { ReceiveMessageCommand, DeleteMessageBatchCommand } from '@aws-sdk/client-sqs';
import { BatchWriteCommand, DeleteCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { freshQueues, freshTables, localDynamo, localSqs } from '../../support/local-endpoints';
import { LOCAL_REGION, localCredentials } from '../../../local/net';
import { ENV, queueUrlEnv, tableEnv } from '../../../contracts/manifest/env';
import { PARK_SIGN_WINDOW_MS, PARKED_PK, PARKED_RETENTION_DAYS, parkedItem, parkKeyBefore, parkKeyTime, type TraceQueue } from '../../../lambdas/traces/trace-sink';
import { PARKED_CURSOR_KEY, ParkedRequestTable, SqsTraceQueue } from '../../../lambdas/traces/trace-queue';
import { LeanParkingTable } from '../../../lambdas/click/lean-adapters';
import { AwsJsonClient, DYNAMODB } from '../../../lambdas/shared/aws-json-client';
import { drainParked, PARKED_SETTLE_MS, type ParkedRequestStore, type TraceBatchQueue } from '../../../lambdas/pipeline/parked-drain';
import { runRetries } from '../../../lambdas/pipeline/schedules';
import * as retryHandler from '../../../lambdas/pipeline/retry.handler';
import { startTrace } from '../../../lambdas/pipeline/starter';
import { TraceRepository } from '../../../lambdas/traces/trace-repository';
import { newTraceId, parseTraceRequest, type TraceRequest } from '../../../lambdas/traces/trace-request';
import type { SFNClient } from '@aws-sdk/client-sfn';

const { client: ddb, doc, endpoint: ddbEndpoint } = localDynamo();
const { client: sqs } = localSqs();
afterAll(() => {
  ddb.destroy();
  sqs.destroy();
});

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

/** A click made at `at` (its traceId carries the time). */
const clickAt = (at: number) => request({ traceId: uuidv7({ msecs: at }), clickedAt: at });

/** Parks `n` clicks made 10 ms apart, the last `ago` ms ago (by default: old enough for the drain). */
async function park(opsTable: string, n: number, ago = PARKED_SETTLE_MS + 60_000): Promise<string[]> {
  const last = Date.now() - ago;
  const requests = Array.from({ length: n }, (_, i) => clickAt(last - (n - 1 - i) * 10));
  for (let at = 0; at < n; at += 25) {
    const chunk = requests.slice(at, at + 25).map((r) => ({ PutRequest: { Item: parkedItem(r, r.clickedAt, 'test') } }));
    await doc.send(new BatchWriteCommand({ RequestItems: { [opsTable]: chunk } }));
  }
  return requests.map((r) => r.traceId);
}

/** The parked clicks not yet handed over (above the drain's cursor). */
const stillParked = (opsTable: string) => new ParkedRequestTable(doc, opsTable).pendingKeys();

/** Every item in the parked partition, handed over or not (TTL removes them in AWS; never here). */
async function partition(opsTable: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await doc.send(
      new QueryCommand({ TableName: opsTable, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': PARKED_PK }, ExclusiveStartKey: start }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Every message on the queue (deleted as read), as trace ids. */
async function drainQueue(queueUrl: string): Promise<string[]> {
  const ids: string[] = [];
  for (let empty = 0; empty < 3;) {
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    const messages = got.Messages ?? [];
    if (!messages.length) {
      empty++;
      continue;
    }
    empty = 0;
    ids.push(...messages.map((m) => parseTraceRequest(m.Body!).traceId));
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
  }
  return ids;
}

/** A run as the schedule makes it: a minute to go; `later` ms on the clock (time passed since now). */
const run = (store: ParkedRequestStore, queue: TraceBatchQueue, later = 0, more: Partial<Parameters<typeof drainParked>[0]> = {}) => {
  const clock = () => Date.now() + later;
  return drainParked({ store, queue, clock, stopAt: clock() + 60_000, ...more });
};

describe('the retry handler drains the parked clicks', () => {
  let tables: Awaited<ReturnType<typeof freshTables>>;
  let queues: Awaited<ReturnType<typeof freshQueues>>;
  let handler: (event: unknown, context: Context) => Promise<{ parked?: { sent: number; complete: boolean } }>;

  beforeAll(async () => {
    [tables, queues] = await Promise.all([freshTables('retry-handler'), freshQueues('retry-handler')]);
    const config = retryHandler.readConfig({
      [tableEnv('Traces')]: tables.Traces,
      [tableEnv('Ops')]: tables.Ops,
      [tableEnv('Catalog')]: tables.Catalog,
      [queueUrlEnv('TraceRequests')]: queues.queues.TraceRequests,
      // No Trackier update is due, so the secret is never read.
      [ENV.trackierSecretArn]: 'tracepool/test/trackier',
    });
    handler = retryHandler.makeHandler(retryHandler.makeDeps(config, { doc, sqs }));
  });

  it('sends every parked click in one run, far more than one page of them, and leaves none parked (TTL removes the items)', async () => {
    const parked = await park(tables.Ops, 1250);
    // Parked this very moment: too young to be read yet.
    const young = await park(tables.Ops, 5, 0);
    const context = { functionName: 'RetrySchedule', awsRequestId: 'r1', getRemainingTimeInMillis: () => 120_000 } as unknown as Context;
    const result = await handler({}, context);
    expect(result.parked).toMatchObject({ sent: 1250, complete: true });
    const sent = await drainQueue(queues.queues.TraceRequests);
    expect(sent).toHaveLength(1250);
    expect(new Set(sent)).toEqual(new Set(parked));
    expect(new Set(await stillParked(tables.Ops))).toEqual(new Set(young));
    // Nothing deleted: every item carries its TTL, the retention after its key's time.
    const items = await partition(tables.Ops);
    expect(items).toHaveLength(1255);
    for (const item of items) expect(item.expiresAt).toBe(Math.floor(parkKeyTime(String(item.sk)) / 1000) + PARKED_RETENTION_DAYS * 86_400);
    // The run released the drain: the next one claims it at once.
    expect((await doc.send(new GetCommand({ TableName: tables.Ops, Key: PARKED_CURSOR_KEY }))).Item).toMatchObject({ leaseUntil: 0 });
  });
});

describe('drainParked', () => {
  it('pages through the partition, sends in batches and moves the cursor over what was sent', async () => {
    const [tables, queues] = await Promise.all([freshTables('drain-pages'), freshQueues('drain-pages')]);
    const parked = await park(tables.Ops, 437);
    const sendBatchSizes: number[] = [];
    const sqsQueue = new SqsTraceQueue(sqs, queues.queues.TraceRequests);
    const queue: TraceBatchQueue = { sendBatch: (r, b) => (sendBatchSizes.push(r.length), sqsQueue.sendBatch(r, b)) };
    const summary = await run(new ParkedRequestTable(doc, tables.Ops), queue, 0, { pageSize: 100, concurrency: 4 });
    expect(summary).toMatchObject({ sent: 437, reparked: 0, failed: 0, unrecorded: 0, complete: true });
    expect(Math.max(...sendBatchSizes)).toBe(10);
    expect(sendBatchSizes.reduce((a, b) => a + b, 0)).toBe(437);
    const sent = await drainQueue(queues.queues.TraceRequests);
    expect(sent).toHaveLength(437);
    expect(new Set(sent)).toEqual(new Set(parked));
    expect(await stillParked(tables.Ops)).toEqual([]);
    // A run with nothing new sends nothing again.
    expect(await run(new ParkedRequestTable(doc, tables.Ops), sqsQueue)).toMatchObject({ sent: 0, complete: true });
    expect(await drainQueue(queues.queues.TraceRequests)).toEqual([]);
  });

  it('stops at its deadline and the next run continues where the cursor is, sending nothing twice', async () => {
    const [tables, queues] = await Promise.all([freshTables('drain-deadline'), freshQueues('drain-deadline')]);
    const parked = await park(tables.Ops, 300);
    const store = new ParkedRequestTable(doc, tables.Ops);
    const queue = new SqsTraceQueue(sqs, queues.queues.TraceRequests);
    // A clock that moves 10 ms a batch: the deadline passes after 8 batches.
    let now = Date.now();
    const ticking: TraceBatchQueue = { sendBatch: (r, b) => ((now += 10), queue.sendBatch(r, b)) };
    const first = await drainParked({ store, queue: ticking, clock: () => now, stopAt: now + 80, pageSize: 100, concurrency: 1 });
    expect(first).toMatchObject({ sent: 80, failed: 0, complete: false });
    expect(await stillParked(tables.Ops)).toHaveLength(220);
    const second = await run(store, queue);
    expect(second).toMatchObject({ sent: 220, complete: true });
    const sent = await drainQueue(queues.queues.TraceRequests);
    expect(sent).toHaveLength(300);
    expect(new Set(sent)).toEqual(new Set(parked));
  });

  it('reads only clicks older than the settle margin: one parked late, within its signing window, lands above the cursor and is drained', async () => {
    const [tables, queues] = await Promise.all([freshTables('drain-late'), freshQueues('drain-late')]);
    const store = new ParkedRequestTable(doc, tables.Ops);
    const queue = new SqsTraceQueue(sqs, queues.queues.TraceRequests);
    const parked = await park(tables.Ops, 20);
    // Clicks of the last minutes, their parks still possibly under way: not read.
    const recent = await park(tables.Ops, 20, 60_000);
    expect(await run(store, queue)).toMatchObject({ sent: 20, complete: true });
    const cursor = await store.cursor();
    expect(cursor.position).toBe(parked.at(-1));
    // A click made before that run, parked only now, as late as its signing window allows: its key
    // is older than the run's start, yet newer than anything the run read, so it is above the cursor.
    const late = clickAt(Date.now() - PARK_SIGN_WINDOW_MS + 5_000);
    const lean = new AwsJsonClient(DYNAMODB, { region: LOCAL_REGION, endpoint: new URL(ddbEndpoint), credentials: localCredentials });
    try {
      await new LeanParkingTable(lean, tables.Ops).park(late, Date.now(), 'SQS down');
    } finally {
      lean.destroy();
    }
    expect(late.traceId > cursor.position!).toBe(true);
    expect(await stillParked(tables.Ops)).toEqual(expect.arrayContaining([late.traceId]));
    // Once the margin has passed, a run sends the recent ones and the late one.
    expect(await run(store, queue, PARKED_SETTLE_MS)).toMatchObject({ sent: 21, complete: true });
    const sent = await drainQueue(queues.queues.TraceRequests);
    expect(sent).toHaveLength(41);
    expect(new Set(sent)).toEqual(new Set([...parked, ...recent, late.traceId]));
    expect(await stillParked(tables.Ops)).toEqual([]);
  });

  it('drains a click whose park was signed too late for its traceId (a frozen hand-off): it is parked under a fresh key', async () => {
    const [tables, queues] = await Promise.all([freshTables('drain-frozen'), freshQueues('drain-frozen')]);
    const store = new ParkedRequestTable(doc, tables.Ops);
    const queue = new SqsTraceQueue(sqs, queues.queues.TraceRequests);
    const parked = await park(tables.Ops, 10);
    expect(await run(store, queue)).toMatchObject({ sent: 10, complete: true });
    // Made long before the cursor's position; its hand-off resumed only now.
    const frozen = clickAt(Date.now() - 2 * PARKED_SETTLE_MS);
    expect(frozen.traceId < (await store.cursor()).position!).toBe(true);
    const startedAt = Date.now();
    const lean = new AwsJsonClient(DYNAMODB, { region: LOCAL_REGION, endpoint: new URL(ddbEndpoint), credentials: localCredentials });
    try {
      await new LeanParkingTable(lean, tables.Ops).park(frozen, Date.now(), 'SQS down');
    } finally {
      lean.destroy();
    }
    expect((await doc.send(new GetCommand({ TableName: tables.Ops, Key: { pk: PARKED_PK, sk: frozen.traceId } }))).Item).toBeUndefined();
    const [key] = await stillParked(tables.Ops);
    expect(parkKeyTime(key!)).toBeGreaterThanOrEqual(startedAt);
    expect(await run(store, queue, PARKED_SETTLE_MS)).toMatchObject({ sent: 1, complete: true });
    const sent = await drainQueue(queues.queues.TraceRequests);
    expect(new Set(sent)).toEqual(new Set([...parked, frozen.traceId]));
    expect(sent).toHaveLength(11);
  });

  it('never loses a click when the run dies between the sends and the cursor write: they are sent again, at worst twice', async () => {
    const [tables, queues] = await Promise.all([freshTables('drain-crash'), freshQueues('drain-crash')]);
    const parked = await park(tables.Ops, 35);
    const real = new ParkedRequestTable(doc, tables.Ops);
    // The function dies (or DynamoDB fails) before any cursor write lands; its claim stays until it expires.
    const crashing: ParkedRequestStore = {
      claim: (now, until) => real.claim(now, until),
      page: (limit, range, start) => real.page(limit, range, start),
      repark: (r, reason) => real.repark(r, reason),
      advance: async () => Promise.reject(new Error('crashed before the cursor write')),
    };
    const queue = new SqsTraceQueue(sqs, queues.queues.TraceRequests);
    const first = await run(crashing, queue);
    expect(first).toMatchObject({ sent: 35, unrecorded: 35, complete: false });
    expect(await stillParked(tables.Ops)).toHaveLength(35);
    // Until the dead run's claim expires, no run drains; after, the next one sends them again.
    expect(await run(real, queue)).toMatchObject({ busy: true, sent: 0 });
    const second = await run(real, queue, 61_000);
    expect(second).toMatchObject({ sent: 35, complete: true });
    const sent = await drainQueue(queues.queues.TraceRequests);
    expect(sent).toHaveLength(70); // each twice: a duplicate, which the starter turns into a no-op
    expect(new Set(sent)).toEqual(new Set(parked));
    expect(await stillParked(tables.Ops)).toEqual([]);
  });

  it('stops at a failed send and records what was accepted past it: the next run sends the rest, nothing twice', async () => {
    const [tables, queues] = await Promise.all([freshTables('drain-failed'), freshQueues('drain-failed')]);
    const parked = await park(tables.Ops, 60);
    const sqsQueue = new SqsTraceQueue(sqs, queues.queues.TraceRequests);
    // The second call fails; the first and third (in flight beside it) are accepted.
    let calls = 0;
    let release!: () => void;
    const third = new Promise<void>((resolve) => (release = resolve));
    const flaky: TraceBatchQueue = {
      sendBatch: async (r, b) => {
        const call = ++calls;
        if (call === 2) {
          await third;
          throw new Error('SQS down');
        }
        const refused = await sqsQueue.sendBatch(r, b);
        if (call === 3) release();
        return refused;
      },
    };
    const store = new ParkedRequestTable(doc, tables.Ops);
    const first = await run(store, flaky, 0, { concurrency: 3 });
    // Batches already under way when the second failed were sent too (at least the third).
    expect(first).toMatchObject({ failed: 10, unrecorded: 0, complete: false });
    expect(first.sent).toBeGreaterThanOrEqual(20);
    const cursor = await store.cursor();
    expect(cursor.position).toBe(parked[9]);
    expect(cursor.above).toEqual(expect.arrayContaining(parked.slice(20, 30)));
    expect(cursor.above).toHaveLength(first.sent - 10);
    expect(await stillParked(tables.Ops)).toHaveLength(60 - first.sent);
    expect(await run(store, sqsQueue)).toMatchObject({ sent: 60 - first.sent, complete: true });
    const sent = await drainQueue(queues.queues.TraceRequests);
    expect(sent).toHaveLength(60);
    expect(new Set(sent)).toEqual(new Set(parked));
    expect(await store.cursor()).toMatchObject({ position: parked.at(-1), above: [] });
  });

  it('parks a click SQS refuses again under a fresh key, and a later run sends it', async () => {
    const [tables, queues] = await Promise.all([freshTables('drain-refused'), freshQueues('drain-refused')]);
    const parked = await park(tables.Ops, 20);
    const sqsQueue = new SqsTraceQueue(sqs, queues.queues.TraceRequests);
    let calls = 0;
    // The first call: SQS takes all but the first entry.
    const picky: TraceBatchQueue = {
      sendBatch: async (r, b) => {
        if (++calls > 1) return sqsQueue.sendBatch(r, b);
        const refused = await sqsQueue.sendBatch(r.slice(1), b?.slice(1));
        return [0, ...refused.map((i) => i + 1)];
      },
    };
    const store = new ParkedRequestTable(doc, tables.Ops);
    expect(await run(store, picky, 0, { concurrency: 1 })).toMatchObject({ sent: 19, reparked: 1, failed: 0, complete: true });
    const [again] = await stillParked(tables.Ops);
    expect(again).not.toBe(parked[0]);
    expect(await run(store, sqsQueue, PARKED_SETTLE_MS)).toMatchObject({ sent: 1, complete: true });
    const sent = await drainQueue(queues.queues.TraceRequests);
    expect(sent).toHaveLength(20);
    expect(new Set(sent)).toEqual(new Set(parked));
  });

  it('lets one run drain at a time: a second run started meanwhile does nothing, and the cursor stays whole', async () => {
    const [tables, queues] = await Promise.all([freshTables('drain-two'), freshQueues('drain-two')]);
    const parked = await park(tables.Ops, 50);
    const sqsQueue = new SqsTraceQueue(sqs, queues.queues.TraceRequests);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const sending = new Promise<void>((resolve) => (started = resolve));
    const slow: TraceBatchQueue = {
      sendBatch: async (r, b) => {
        started();
        await held;
        return sqsQueue.sendBatch(r, b);
      },
    };
    const store = new ParkedRequestTable(doc, tables.Ops);
    const first = run(store, slow);
    await sending;
    expect(await run(new ParkedRequestTable(doc, tables.Ops), sqsQueue)).toMatchObject({ busy: true, sent: 0 });
    release();
    expect(await first).toMatchObject({ sent: 50, complete: true });
    const sent = await drainQueue(queues.queues.TraceRequests);
    expect(sent).toHaveLength(50);
    expect(new Set(sent)).toEqual(new Set(parked));
    expect(await store.cursor()).toMatchObject({ position: parked.at(-1), above: [] });
  });
});

describe('ParkedRequestTable.page', () => {
  const keysOf = async (store: ParkedRequestTable, limit: number, range: { after?: string; before: string }) => {
    const pages: string[][] = [];
    let next: string | undefined;
    do {
      const page = await store.page(limit, range, next);
      pages.push(page.items.map((i) => i.key));
      next = page.next;
    } while (next);
    return pages;
  };

  it('reads key ranges page after page: every key once, in order, from after the cursor to below the bound', async () => {
    const tables = await freshTables('park-pages');
    const keys = await park(tables.Ops, 95);
    const store = new ParkedRequestTable(doc, tables.Ops);
    const before = parkKeyBefore(parkKeyTime(keys[80]!));
    const pages = await keysOf(store, 10, { after: keys[4], before });
    expect(pages.flat()).toEqual(keys.slice(5, 80));
    expect(pages.slice(0, -1).every((p) => p.length === 10)).toBe(true);
    // Each page is read whole: its body is the request parked under its key.
    const [first] = (await store.page(3, { before })).items;
    expect(first).toMatchObject({ key: keys[0], request: { traceId: keys[0] } });
    expect(JSON.parse(first!.body!)).toEqual(first!.request);
    // A cursor at or past the bound reads nothing (and asks DynamoDB nothing it would refuse).
    expect(await store.page(10, { after: keys[90], before })).toEqual({ items: [] });
  });

  it('skips nothing when the key a page ended on is gone before the next is read (TTL removed it)', async () => {
    const tables = await freshTables('park-pages-ttl');
    const keys = await park(tables.Ops, 30);
    const store = new ParkedRequestTable(doc, tables.Ops);
    const before = parkKeyBefore(Date.now());
    const page = await store.page(10, { before });
    expect(page.next).toBe(keys[9]);
    await doc.send(new DeleteCommand({ TableName: tables.Ops, Key: { pk: PARKED_PK, sk: keys[9] } }));
    const rest = await store.page(10, { before }, page.next);
    expect(rest.items.map((i) => i.key)).toEqual(keys.slice(10, 21));
    expect((await keysOf(store, 7, { after: keys[9], before })).flat()).toEqual(keys.slice(10));
  });
});

describe('retries and the starter', () => {
  it('a retry whose message reaches the starter at once is started, not dropped as already done', async () => {
    const tables = await freshTables('retry-race');
    const traces = new TraceRepository({ doc, tableName: tables.Traces, ttlDays: 7 });
    const r = request();
    await traces.enqueue(r, 1);
    await traces.markRunning(r.traceId, 1, r.traceId, 2);
    await traces.recordFailure(r.traceId, { statuses: ['running'] }, { status: 'retry_scheduled', statusAt: 100, error: { class: 'offer', message: '500' } }, 3);

    // A starter as fast as can be: it runs as the message is sent, before SendMessage returns.
    const started: string[] = [];
    const sfn = { send: async (command: { input: { name?: string } }) => void started.push(command.input.name!) } as unknown as SFNClient;
    const outcomes: string[] = [];
    const queue: TraceQueue = {
      send: async (retry) => void outcomes.push(await startTrace({ sfn, stateMachineArn: 'arn:sm', traces, clock: () => 5000 }, JSON.stringify(retry))),
    };
    const summary = await runRetries({ traces, queue, clock: () => 4000 });
    expect(summary).toMatchObject({ requeued: 1, errors: 0 });
    expect(outcomes).toEqual(['started']);
    expect(started).toEqual([`${r.traceId}-a2`]);
    expect(await traces.get(r.traceId)).toMatchObject({ status: 'queued' });
  });

  it('puts a trace back as it was when its message cannot be sent', async () => {
    const tables = await freshTables('retry-unsent');
    const traces = new TraceRepository({ doc, tableName: tables.Traces, ttlDays: 7 });
    const r = request();
    await traces.enqueue(r, 1);
    await traces.markRunning(r.traceId, 1, r.traceId, 2);
    await traces.recordFailure(r.traceId, { statuses: ['running'] }, { status: 'retry_scheduled', statusAt: 100, error: { class: 'offer', message: '500' } }, 3);
    const down: TraceQueue = { send: async () => Promise.reject(new Error('SQS down')) };
    expect(await runRetries({ traces, queue: down, clock: () => 4000 })).toMatchObject({ requeued: 0, errors: 1 });
    expect(await traces.get(r.traceId)).toMatchObject({ status: 'retry_scheduled', statusAt: 100 });
  });
});
