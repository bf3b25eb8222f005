/**
 * GET /admin/offers/{offerId}/stats on DynamoDB Local, through the AdminOfferStats handler's real
 * wiring: traces seeded across hours (statuses, failure classes, modes, timings, bytes) and the
 * skip counters written by their real writers' keys (the click's per-environment items, the
 * starter's admission counts). Every figure is checked; an unknown offer is a 404, a bad range a 400.
 */
import { BatchWriteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { freshTables, localDynamo } from '../../support/local-endpoints';
import * as statsHandler from '../../../lambdas/admin/offer-stats.handler';
import { readAdminOfferStatsConfig } from '../../../lambdas/admin/offer-stats-config';
import { tableEnv } from '../../../contracts/manifest/env';
import { DynamoOfferRepository } from '../../../lambdas/offers/offer-repository';
import { validateOffer } from '../../../lambdas/offers/offer-schema';
import { OpsAdmissionTable } from '../../../lambdas/pipeline/admission-table';
import { BOT_SKIPS_PK_PREFIX, PAUSED_SKIPS_PK_PREFIX, botSkipsKey } from '../../../lambdas/click/bot-skips';
import type { FailureClass, TraceRecord, TraceStatus } from '../../../lambdas/traces/trace-record';
import type { TraceMode } from '../../../lambdas/tracer/types';
import { DynamoOfferStatsReader, offerStats, type OfferStats } from '../../../lambdas/offers/offer-stats';
import { chunk } from '../../../lambdas/shared/concurrency';
import type { TableNames } from '../../../local/provision';

const { doc } = localDynamo();
const H = 3_600_000;
const NOW = Date.parse('2026-12-02T13:30:00Z');
const T10 = Date.parse('2026-12-02T10:00:00Z');
const context = { functionName: 'AdminOfferStats', awsRequestId: 'r', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;
type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

function get(offerId: string, query: Record<string, string> = {}): APIGatewayProxyEventV2 {
  const path = `/admin/offers/${offerId}/stats`;
  const routeKey = 'GET /admin/offers/{offerId}/stats';
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: new URLSearchParams(query).toString(),
    headers: {},
    pathParameters: { offerId },
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: '0',
      apiId: 'a',
      domainName: 'd',
      domainPrefix: 'd',
      requestId: 'r',
      routeKey,
      stage: '$default',
      time: '',
      timeEpoch: 0,
      http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'test' },
    },
    isBase64Encoded: false,
  };
}

let tables: TableNames;
let handler: Handler;
let seq = 0;

async function call(offerId: string, query: Record<string, string> = {}): Promise<{ status: number; body: OfferStats & { error?: string; message?: string } }> {
  const res = await handler(get(offerId, query), context);
  return { status: res.statusCode!, body: JSON.parse(res.body!) as OfferStats & { error?: string; message?: string } };
}

interface Seed {
  at: number;
  status?: TraceStatus;
  mode?: TraceMode;
  cls?: FailureClass;
  traceMs?: number;
  totalMs?: number;
  bytes?: number;
}

/** Trace records as the pipeline leaves them, with the fields the statistics read. */
async function seedTraces(offerId: string, seeds: Seed[]): Promise<void> {
  const items = seeds.map((s): Partial<TraceRecord> => ({
    traceId: `t-${offerId}-${++seq}`,
    offerId,
    status: s.status ?? 'completed',
    statusAt: s.at + 1000,
    attempts: 1,
    createdAt: s.at,
    updatedAt: s.at + 1000,
    expiresAt: Math.floor(s.at / 1000) + 7 * 86_400,
    ...(s.mode ? { mode: s.mode } : {}),
    ...(s.cls ? { error: { class: s.cls, message: 'seeded' } } : {}),
    ...(s.traceMs !== undefined ? { timings: { queueWaitMs: 5, leaseWaitMs: 7, traceMs: s.traceMs, totalMs: s.totalMs ?? s.traceMs + 50 } } : {}),
    ...(s.bytes !== undefined ? { proxyBytes: s.bytes } : {}),
  }));
  for (const batch of chunk(items, 25)) {
    await doc.send(new BatchWriteCommand({ RequestItems: { [tables.Traces]: batch.map((Item) => ({ PutRequest: { Item } })) } }));
  }
}

/** The click's own item layout: one running total per environment. */
async function clickSkips(prefix: string, hour: string, offerId: string, instanceId: string, skipped: number): Promise<void> {
  await doc.send(
    new PutCommand({ TableName: tables.Ops, Item: { ...botSkipsKey(hour, offerId, instanceId, prefix), skipped, expiresAt: Math.floor(NOW / 1000) + 86_400 } }),
  );
}

beforeAll(async () => {
  tables = await freshTables('offerstats');
  const env = { [tableEnv('Catalog')]: tables.Catalog, [tableEnv('Traces')]: tables.Traces, [tableEnv('Ops')]: tables.Ops };
  const deps = statsHandler.makeDeps(readAdminOfferStatsConfig(env), { doc });
  handler = statsHandler.makeHandler({ ...deps, clock: () => NOW }) as unknown as Handler;

  const offers = new DynamoOfferRepository(doc, tables.Catalog);
  for (const id of ['stats-a', 'stats-ab', 'stats-empty']) {
    const v = validateOffer(id, { redirectUrl: `https://${id}.shop.example/landing`, country: 'de' });
    if (!v.ok) throw new Error(JSON.stringify(v.issues));
    await offers.put(v.offer, NOW - 10 * H);
  }

  await seedTraces('stats-a', [
    // 10:00 hour: 3 completed (one browser), a proxy failure, a timeout.
    { at: T10 + 60_000, mode: 'http', traceMs: 400, bytes: 1000 },
    { at: T10 + 120_000, mode: 'browser', traceMs: 2000, bytes: 50_000 },
    { at: T10 + 59 * 60_000, mode: 'http', traceMs: 600, bytes: 2000 },
    { at: T10 + 300_000, status: 'failed', cls: 'proxy', bytes: 300 },
    { at: T10 + 400_000, status: 'timeout', cls: 'timeout' },
    // 11:00 hour: nothing traced (skips only).
    // 12:00 hour: 1 browser completed, 2 offer failures, one dead-lettered no_ip, one still queued.
    { at: T10 + 2 * H, mode: 'browser', traceMs: 3000, bytes: 80_000 },
    { at: T10 + 2 * H + 10, status: 'failed', cls: 'offer' },
    { at: T10 + 2 * H + 20, status: 'failed', cls: 'offer' },
    { at: T10 + 2 * H + 30, status: 'dead_lettered', cls: 'no_ip' },
    { at: T10 + 3 * H - 1, status: 'queued' },
    // 13:00 hour (the current one).
    { at: T10 + 3 * H + 5, mode: 'http', traceMs: 100, bytes: 10 },
    // Before the range: never counted.
    { at: T10 - 1, mode: 'http', traceMs: 99_999, bytes: 99_999 },
  ]);
  // Another offer whose id the first one's is a prefix of: its traces and skips are its own.
  await seedTraces('stats-ab', [{ at: T10 + 60_000, mode: 'browser', traceMs: 1, bytes: 7 }]);

  await clickSkips(BOT_SKIPS_PK_PREFIX, '2026-12-02T10', 'stats-a', 'env-1', 3);
  await clickSkips(BOT_SKIPS_PK_PREFIX, '2026-12-02T10', 'stats-a', 'env-2', 2);
  await clickSkips(BOT_SKIPS_PK_PREFIX, '2026-12-02T11', 'stats-a', 'env-1', 4);
  await clickSkips(BOT_SKIPS_PK_PREFIX, '2026-12-02T10', 'stats-ab', 'env-1', 100);
  await clickSkips(PAUSED_SKIPS_PK_PREFIX, '2026-12-02T11', 'stats-a', 'env-3', 6);
  await clickSkips(BOT_SKIPS_PK_PREFIX, '2026-12-02T09', 'stats-a', 'env-1', 50); // before the range
  const admission = new OpsAdmissionTable(doc, tables.Ops);
  for (let i = 0; i < 2; i++) await admission.countSkip('stats-a', '2026-12-02T12', 'skipped_budget', NOW);
  await admission.countSkip('stats-a', '2026-12-02T12', 'skipped_duplicate', NOW);
  await admission.countSkip('stats-a', '2026-12-02T13', 'skipped_duplicate', NOW);
  await admission.countSkip('stats-ab', '2026-12-02T12', 'skipped_budget', NOW);
});

describe('GET /admin/offers/{offerId}/stats', () => {
  it('answers every figure by UTC hour, and the totals over the range', async () => {
    const res = await call('stats-a', { from: '2026-12-02T10:20:00Z' });
    expect(res.status).toBe(200);
    const s = res.body;
    // Widened to whole hours: the counters exist only per hour.
    expect(s).toMatchObject({
      offerId: 'stats-a',
      from: '2026-12-02T10:00:00.000Z',
      to: '2026-12-02T14:00:00.000Z',
      capped: false,
      tracesRead: 11,
      traceTimeField: 'timings.traceMs',
    });
    expect(s.hours.map((h) => h.hour)).toEqual(['2026-12-02T10', '2026-12-02T11', '2026-12-02T12', '2026-12-02T13']);
    const [h10, h11, h12, h13] = s.hours;
    expect(h10).toEqual({
      hour: '2026-12-02T10',
      clicks: 5 + 5,
      traced: 5,
      skipped: { bot: 5, budget: 0, duplicate: 0, paused: 0 },
      completed: 3,
      failed: 2,
      failedByClass: { proxy: 1, timeout: 1 },
      pending: 0,
      p50TraceMs: 600,
      p95TraceMs: 2000,
      proxyBytes: 53_300,
      browserShare: 1 / 3,
    });
    expect(h11).toEqual({
      hour: '2026-12-02T11',
      clicks: 10,
      traced: 0,
      skipped: { bot: 4, budget: 0, duplicate: 0, paused: 6 },
      completed: 0,
      failed: 0,
      failedByClass: {},
      pending: 0,
      p50TraceMs: null,
      p95TraceMs: null,
      proxyBytes: 0,
      browserShare: null,
    });
    expect(h12).toEqual({
      hour: '2026-12-02T12',
      clicks: 5 + 3,
      traced: 5,
      skipped: { bot: 0, budget: 2, duplicate: 1, paused: 0 },
      completed: 1,
      failed: 3,
      failedByClass: { offer: 2, no_ip: 1 },
      pending: 1,
      p50TraceMs: 3000,
      p95TraceMs: 3000,
      proxyBytes: 80_000,
      browserShare: 1,
    });
    expect(h13).toMatchObject({
      clicks: 2,
      traced: 1,
      skipped: { bot: 0, budget: 0, duplicate: 1, paused: 0 },
      completed: 1,
      p50TraceMs: 100,
      proxyBytes: 10,
      browserShare: 0,
    });
    expect(s.totals).toEqual({
      clicks: 10 + 10 + 8 + 2,
      traced: 11,
      skipped: { bot: 9, budget: 2, duplicate: 2, paused: 6 },
      completed: 5,
      failed: 5,
      failedByClass: { proxy: 1, timeout: 1, offer: 2, no_ip: 1 },
      pending: 1,
      // 100, 400, 600, 2000, 3000: nearest rank.
      p50TraceMs: 600,
      p95TraceMs: 3000,
      proxyBytes: 133_310,
      browserShare: 2 / 5,
    });
  });

  it('defaults to the last 24 hours: every hour listed, empty ones too', async () => {
    const res = await call('stats-empty');
    expect(res.status).toBe(200);
    // 12:30 yesterday to 13:30 today, widened: 25 hours.
    expect(res.body.hours).toHaveLength(25);
    expect(res.body.from).toBe('2026-12-01T13:00:00.000Z');
    expect(res.body.totals).toMatchObject({ clicks: 0, traced: 0, p50TraceMs: null, browserShare: null });
  });

  it('takes epoch ms and durations back from now', async () => {
    const res = await call('stats-a', { from: String(T10 + 2 * H), to: '1h' });
    expect(res.status).toBe(200);
    expect(res.body.hours.map((h) => h.hour)).toEqual(['2026-12-02T12']);
    expect(res.body.totals).toMatchObject({ traced: 5, clicks: 8 });
  });

  it('reads at most the cap, newest first, and says so', async () => {
    const reader = new DynamoOfferStatsReader(doc, tables.Traces, tables.Ops);
    const s = await offerStats(reader, 'stats-a', { from: T10, to: NOW }, NOW, 3);
    expect(s).toMatchObject({ capped: true, tracesRead: 3 });
    // The three newest: 13:00's completed, 12:00's queued and its dead-lettered one.
    expect(s.hours.map((h) => h.traced)).toEqual([0, 0, 2, 1]);
    expect((await offerStats(reader, 'stats-a', { from: T10, to: NOW }, NOW, 11)).capped).toBe(false);
  });

  it('is a 404 for an unknown offer', async () => {
    const res = await call('stats-nobody');
    expect(res.status).toBe(404);
    expect(res.body.message).toMatch(/offer stats-nobody not found/);
  });

  it.each([
    [{ from: '8d' }, /at most 7 days/],
    [{ from: '2026-11-20T00:00:00Z', to: '2026-11-21T00:00:00Z' }, /older than the 7 days/],
    [{ from: 'last tuesday' }, /invalid from/],
    [{ from: '1h', to: '2h' }, /must be before/],
  ])('is a 400 for the range %j', async (query, message) => {
    const res = await call('stats-a', query as Record<string, string>);
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(message);
  });
});
