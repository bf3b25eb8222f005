/**
 * The resolution history against DynamoDB Local, written by the pipeline's own StoreResult use
 * case over real trace records and read through the AdminOffers handler's real wiring: the same
 * resolution bumps its entry, a change starts one with the changed values, the history outlives
 * the traces (driven clock: stored 30 days ago, read now with the traces gone), and a failing
 * history write never fails the store.
 */
import { DeleteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { freshQueues, freshTables, localDynamo, localSqs } from '../../support/local-endpoints';
import { queueUrlEnv, tableEnv } from '../../../contracts/manifest/env';
import { readAdminOffersConfig } from '../../../lambdas/admin/config';
import * as offersHandler from '../../../lambdas/admin/offers.handler';
import { OfferHistoryStore, historyPk } from '../../../lambdas/offers/offer-history-store';
import { storeResult } from '../../../lambdas/pipeline/tasks';
import type { PipelineState } from '../../../lambdas/pipeline/pipeline-state';
import { TraceRepository } from '../../../lambdas/traces/trace-repository';
import { newTraceId, type TraceRequest } from '../../../lambdas/traces/trace-request';
import type { TraceResult } from '../../../lambdas/tracer/types';
import type { TableNames } from '../../../local/provision';

const DAY = 86_400_000;
const context = { functionName: 'history-test', awsRequestId: 'r', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;
const { client: ddb, doc } = localDynamo();
const { client: sqs } = localSqs();
afterAll(() => {
  ddb.destroy();
  sqs.destroy();
});

type Http = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
let tables: TableNames;
let traces: TraceRepository;
let admin: Http;

beforeAll(async () => {
  tables = await freshTables('offer-history');
  const queues = await freshQueues('offer-history');
  traces = new TraceRepository({ doc, tableName: tables.Traces, ttlDays: 7 });
  const env = {
    [tableEnv('Catalog')]: tables.Catalog,
    [tableEnv('Traces')]: tables.Traces,
    [tableEnv('Ops')]: tables.Ops,
    [queueUrlEnv('TraceRequests')]: queues.queues.TraceRequests,
  };
  admin = offersHandler.makeHandler(offersHandler.makeDeps(readAdminOffersConfig(env), { doc, sqs })) as unknown as Http;
});

async function call(routeKey: string, offerId: string, opts: { body?: unknown; query?: Record<string, string> } = {}) {
  const [method] = routeKey.split(' ');
  const event = {
    routeKey,
    rawPath: routeKey.split(' ')[1]!.replace('{offerId}', offerId),
    headers: { 'content-type': 'application/json' },
    queryStringParameters: opts.query,
    pathParameters: { offerId },
    requestContext: { http: { method } },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
  const res = await admin(event, context);
  return { status: res.statusCode!, body: JSON.parse(String(res.body)) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const result = (finalUrl: string): TraceResult => ({
  outcome: 'resolved',
  finalUrl,
  params: Object.fromEntries(new URL(finalUrl).searchParams),
  mode: 'http',
  hops: [{ url: 'https://t.example/', status: 302, kind: 'start', ms: 3 }],
  adsCompatibility: { ok: true, reasons: [] },
  clickIds: { tracked: [], perHop: [], survived: [], lost: [] },
  proxyBytes: 10,
  ms: 5,
});

/** A trace as AcquireLease leaves it (queued, running, leased, released), then StoreResult at `at`. */
async function traceAndStore(offerId: string, finalUrl: string, at: number, history: { record(t: unknown): Promise<unknown> }, onHistoryError?: (e: unknown) => void) {
  const request: TraceRequest = { v: 1, traceId: newTraceId(), offerId, source: 'click', params: {}, clickedAt: at, country: 'us', device: 'desktop', attempt: 1 };
  await traces.enqueue(request, at);
  await traces.markRunning(request.traceId, 1, request.traceId, at);
  await traces.recordLease(request.traceId, request.traceId, { ipId: 'ip-1', fence: 1, provider: 'p', country: 'us' }, at, 0);
  const state: PipelineState = {
    request,
    executionName: request.traceId,
    startedAt: at,
    lease: {
      ipId: 'ip-1',
      host: '127.0.0.1',
      port: 1,
      provider: 'p',
      country: 'us',
      traceId: request.traceId,
      leaseId: 'l',
      fence: 1,
      expiresAt: at + 60_000,
      startsAt: at,
      acquiredAt: at,
      target: { trackingUrl: 'https://t.example/', clickIdParams: ['subid'], mode: 'auto', offerVersion: 1 },
    },
    trace: { needsBrowser: false, result: result(finalUrl), traceMs: 5 },
    release: { outcome: 'success', released: true, at },
  };
  const memory = { get: async () => undefined, record: async () => undefined };
  const stored = await storeResult(
    { clock: () => at, traces, memory, config: { backoffMs: [1000] }, history, onHistoryError: (e: unknown) => onHistoryError?.(e) } as never,
    state,
  );
  return { traceId: request.traceId, stored };
}

const store = () => new OfferHistoryStore(doc, tables.Ops);

describe('the resolution history, written by StoreResult', () => {
  it('the same resolution bumps the entry (per-click values ignored); a change starts a new entry with the changed values', async () => {
    const offerId = 'hist-change';
    const t0 = Date.now() - 3 * DAY;
    await traceAndStore(offerId, 'https://shop.example/land?utm_campaign=spring&gclid=AAA&subid=s1', t0, store());
    await traceAndStore(offerId, 'https://shop.example/land?utm_campaign=spring&gclid=BBB&subid=s2', t0 + 1000, store());
    let page = await store().page(offerId, 10, undefined, t0 + 2000);
    expect(page.entries).toHaveLength(1);
    expect(page.entries[0]).toMatchObject({ count: 2, firstSeen: t0, lastSeen: t0 + 1000, landing: 'https://shop.example/land?utm_campaign=spring', changed: {} });

    const { traceId } = await traceAndStore(offerId, 'https://shop.example/land?utm_campaign=summer&gclid=CCC', t0 + 5000, store());
    page = await store().page(offerId, 10, undefined, t0 + 6000);
    expect(page.entries.map((e) => e.count)).toEqual([1, 2]);
    expect(page.entries[0]).toMatchObject({
      firstSeen: t0 + 5000,
      lastTraceId: traceId,
      mode: 'http',
      landing: 'https://shop.example/land?utm_campaign=summer',
      paramNames: ['gclid', 'utm_campaign'],
      changed: { utm_campaign: { from: 'spring', to: 'summer' } },
    });
  });

  it('outlives the traces: stored 30 days ago, served now from the history with the traces gone', async () => {
    const offerId = 'hist-ttl';
    expect((await call('PUT /admin/offers/{offerId}', offerId, { body: { redirectUrl: 'https://t.example/x', country: 'us' } })).status).toBe(201);
    const past = Date.now() - 30 * DAY;
    const a = await traceAndStore(offerId, 'https://old.example/a?v=1', past, store());
    const b = await traceAndStore(offerId, 'https://old.example/b?v=1', past + DAY, store());
    // TTL (7 days) has long removed them: delete the items as TTL would.
    for (const t of [a, b]) await doc.send(new DeleteCommand({ TableName: tables.Traces, Key: { traceId: t.traceId } }));

    const history = await call('GET /admin/offers/{offerId}/history', offerId);
    expect(history.status).toBe(200);
    expect(history.body.entries.map((e: { landing: string }) => e.landing)).toEqual(['https://old.example/b?v=1', 'https://old.example/a?v=1']);
    const resolution = await call('GET /admin/offers/{offerId}/resolution', offerId);
    expect(resolution.status).toBe(200);
    expect(resolution.body.resolution).toMatchObject({ finalUrl: 'https://old.example/b?v=1', source: 'history', lastTracedAt: past + DAY, traceId: b.traceId });
    expect(resolution.body.last24h).toMatchObject({ finished: 0, rate: null });
  });

  it('pages the timeline newest first; rejects a bad limit or cursor; 404 for an unknown offer', async () => {
    const offerId = 'hist-pages';
    expect((await call('PUT /admin/offers/{offerId}', offerId, { body: { redirectUrl: 'https://t.example/x', country: 'us' } })).status).toBe(201);
    const t0 = Date.now() - 3_600_000; // inside the 24-hour window
    for (let i = 0; i < 3; i++) await traceAndStore(offerId, `https://p.example/${i}`, t0 + i * 1000, store());
    const first = await call('GET /admin/offers/{offerId}/history', offerId, { query: { limit: '2' } });
    expect(first.body.entries.map((e: { landing: string }) => e.landing)).toEqual(['https://p.example/2', 'https://p.example/1']);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await call('GET /admin/offers/{offerId}/history', offerId, { query: { limit: '2', cursor: first.body.nextCursor } });
    expect(second.body.entries.map((e: { landing: string }) => e.landing)).toEqual(['https://p.example/0']);

    expect((await call('GET /admin/offers/{offerId}/history', offerId, { query: { limit: '0' } })).status).toBe(400);
    expect((await call('GET /admin/offers/{offerId}/history', offerId, { query: { cursor: 'bm9wZQ' } })).status).toBe(400);
    expect((await call('GET /admin/offers/{offerId}/history', 'hist-nobody')).status).toBe(404);
    expect((await call('GET /admin/offers/{offerId}/resolution', 'hist-nobody')).status).toBe(404);
    const current = await call('GET /admin/offers/{offerId}/resolution', offerId);
    expect(current.body.resolution).toMatchObject({ finalUrl: 'https://p.example/2', source: 'traces', mode: 'http', params: {} });
    expect(current.body.last24h).toMatchObject({ completed: 3, finished: 3, rate: 1 });
  });

  it('a failing history write does not fail the store: the trace completes, the failure is reported', async () => {
    const offerId = 'hist-fails';
    const failures: unknown[] = [];
    const broken = new OfferHistoryStore(doc, 'no-such-table');
    const { traceId, stored } = await traceAndStore(offerId, 'https://f.example/', Date.now(), broken, (e) => failures.push(e));
    expect(stored).toMatchObject({ status: 'completed', finalUrl: 'https://f.example/' });
    expect((await traces.get(traceId))?.status).toBe('completed');
    expect(failures).toHaveLength(1);
    const items = await doc.send(new QueryCommand({ TableName: tables.Ops, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': historyPk(offerId) } }));
    expect(items.Items).toEqual([]);
  });
});
