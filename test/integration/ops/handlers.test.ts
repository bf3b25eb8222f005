/**
 * The operations handlers through their real wiring (each module's makeDeps from a config, with
 * clients on the local endpoints): GET /admin/pool and /admin/pool/history, GET /admin/status, POST|GET /admin/dlq/redrive,
 * the scheduled health check and cleanup.
 */
import type { Context } from 'aws-lambda';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { waitFor } from '../../../local/net';
import type { HttpEvent, HttpResult } from '../../../lambdas/shared/http';
import { resolveThresholds } from '../../../contracts/ops';
import { DEFAULT_RETENTION } from '../../../lambdas/ops/cleanup';
import { dynamoSnapshotStore } from '../../../lambdas/ops/ops-table';
import type { MonitorConfig } from '../../../lambdas/ops/config';
import * as poolHandler from '../../../lambdas/ops/pool.handler';
import * as statusHandler from '../../../lambdas/ops/status.handler';
import * as dlqHandler from '../../../lambdas/ops/dlq.handler';
import * as healthCheckHandler from '../../../lambdas/ops/health-check.handler';
import * as cleanupHandler from '../../../lambdas/ops/cleanup.handler';
import { freshQueues, freshTables, localDynamo, localSqs } from '../../support/local-endpoints';

const { client, doc } = localDynamo();
const { client: sqs } = localSqs();
afterAll(() => {
  client.destroy();
  sqs.destroy();
});

type Http = (event: HttpEvent, context: Context) => Promise<HttpResult>;
type Scheduled = (event: unknown, context: Context) => Promise<Record<string, unknown>>;
const context = { functionName: 'ops-test', awsRequestId: 'r', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;
const event = (routeKey: string, body?: unknown, query?: Record<string, string>): HttpEvent =>
  ({
    routeKey,
    rawPath: routeKey.split(' ')[1],
    headers: { 'content-type': 'application/json' },
    queryStringParameters: query,
    requestContext: { http: { method: routeKey.split(' ')[0] } },
    body: body === undefined ? undefined : JSON.stringify(body),
    isBase64Encoded: false,
  }) as unknown as HttpEvent;

let tables: Awaited<ReturnType<typeof freshTables>>;
let queues: Awaited<ReturnType<typeof freshQueues>>;
let pool: Http, status: Http, dlq: Http, health: Scheduled, cleanup: Scheduled;

beforeAll(async () => {
  [tables, queues] = await Promise.all([freshTables('ops-handlers'), freshQueues('ops-handlers')]);
  const monitor: MonitorConfig = {
    ipPoolTable: tables.IpPool,
    opsTable: tables.Ops,
    tracesTable: tables.Traces,
    traceQueueUrl: queues.queues.TraceRequests,
    dlqUrls: { trace: queues.dlqs.TraceRequests, events: queues.dlqs.Events },
    thresholds: resolveThresholds({ queueDepth: 1 }),
  };
  const clients = { doc, sqs };
  pool = poolHandler.makeHandler(poolHandler.makeDeps(monitor, clients)) as unknown as Http;
  status = statusHandler.makeHandler(statusHandler.makeDeps({ ipPoolTable: tables.IpPool, opsTable: tables.Ops, tracesTable: tables.Traces }, clients)) as unknown as Http;
  dlq = dlqHandler.makeHandler(
    dlqHandler.makeDeps(
      { trace: { queueUrl: queues.queues.TraceRequests, dlqUrl: queues.dlqs.TraceRequests }, events: { queueUrl: queues.queues.Events, dlqUrl: queues.dlqs.Events } },
      clients,
    ),
  ) as unknown as Http;
  health = healthCheckHandler.makeHandler(
    healthCheckHandler.makeDeps({ ...monitor, snapshotRetentionDays: DEFAULT_RETENTION.snapshots, alertRetentionDays: DEFAULT_RETENTION.alerts }, clients),
  ) as unknown as Scheduled;
  cleanup = cleanupHandler.makeHandler(cleanupHandler.makeDeps({ opsTable: tables.Ops, retention: DEFAULT_RETENTION }, clients)) as unknown as Scheduled;
});

it('GET /admin/pool answers the monitor document, with the configured thresholds', async () => {
  for (let i = 0; i < 2; i++) await sqs.send(new SendMessageCommand({ QueueUrl: queues.queues.TraceRequests, MessageBody: `m${i}` }));
  const res = await pool(event('GET /admin/pool'), context);
  expect(res.statusCode).toBe(200);
  const body = JSON.parse(res.body as string);
  expect(body).toMatchObject({ pool_summary: { total: 0 }, queue_depth: { trace_queue: { visible: 2 } } });
  expect(body.health).toBe('critical'); // an empty pool
  expect(body.warnings.map((w: { type: string }) => w.type).sort()).toEqual(['no_healthy_ips', 'queue_depth']);
});

it('the scheduled health check opens alerts (logged without a bus), the status page shows them', async () => {
  const summary = await health({}, context);
  expect(summary).toMatchObject({ health: 'critical', opened: expect.arrayContaining(['no_healthy_ips', 'queue_depth']) });
  const res = await status(event('GET /admin/status'), context);
  expect(res.statusCode).toBe(200);
  expect(res.headers?.['content-type']).toMatch(/text\/html/);
  expect(res.headers?.['content-security-policy']).toMatch(/^default-src 'none'; style-src 'sha256-.+'; .*frame-ancestors 'none'$/);
  expect(res.body).toContain('no_healthy_ips');
  expect(res.body).toContain('The pool is empty.');

  const alerts = await pool(event('GET /admin/alerts'), context);
  expect(alerts.statusCode).toBe(200);
  const view = JSON.parse(alerts.body as string);
  expect(view.open.map((a: { type: string }) => a.type)).toEqual(expect.arrayContaining(['no_healthy_ips', 'queue_depth']));
  expect(view.open[0]).toMatchObject({ severity: 'critical', recommendation: expect.any(String) });
  expect(view.resolved).toEqual([]);
});

it('GET /admin/pool/history: the snapshots of the range, oldest first, with a summary; a bad range is 400', async () => {
  // The health check above wrote one snapshot now; these are older ones, one expired (TTL not yet run).
  const store = dynamoSnapshotStore({ doc, opsTable: tables.Ops });
  const now = Date.now();
  const snap = (ago: number, utilizationPct: number, successRatePct: number | null) => ({
    at: new Date(now - ago).toISOString(),
    total: 4,
    healthy: 4,
    byState: { available: 3, leased: 1, cooldown: 0, unhealthy: 0, disabled: 0 },
    byCountry: {},
    utilizationPct,
    expiredLeases: 0,
    successRatePct,
    tracesPerMinute: 2,
  });
  const inFuture = Math.floor(now / 1000) + 3600;
  await store.put(snap(3 * 3_600_000, 25, 90), inFuture);
  await store.put(snap(2 * 3_600_000, 75, null), inFuture); // no trace finished: no data, not 0 %
  await store.put(snap(30 * 3_600_000, 50, 50), inFuture); // outside the default day
  await store.put(snap(4 * 3_600_000, 99, 1), Math.floor(now / 1000) - 60); // expired

  const res = await pool(event('GET /admin/pool/history'), context);
  expect(res.statusCode).toBe(200);
  const body = JSON.parse(res.body as string);
  const older = body.points.filter((p: { utilizationPct: number }) => [25, 75].includes(p.utilizationPct));
  expect(older.map((p: { utilizationPct: number; successRatePct: number | null }) => [p.utilizationPct, p.successRatePct])).toEqual([
    [25, 90],
    [75, null],
  ]);
  expect(body.points.map((p: { at: string }) => p.at)).toEqual([...body.points.map((p: { at: string }) => p.at)].sort());
  expect(body.points.some((p: { utilizationPct: number }) => p.utilizationPct === 50 || p.utilizationPct === 99)).toBe(false);
  expect(body.summary.snapshots).toBe(body.points.length);
  expect(body.summary.utilizationPct.max).toBeGreaterThanOrEqual(75);

  const narrow = JSON.parse((await pool(event('GET /admin/pool/history', undefined, { from: '150m', to: '100m' }), context)).body as string);
  expect(narrow.points.map((p: { utilizationPct: number }) => p.utilizationPct)).toEqual([75]);
  expect(narrow.summary).toMatchObject({ snapshots: 1, successRatePct: null, utilizationPct: { avg: 75, min: 75, max: 75 } });

  for (const query of [{ from: 'yesterday' }, { from: '1h', to: '2h' }, { from: '8d' }] as Record<string, string>[]) {
    const bad = await pool(event('GET /admin/pool/history', undefined, query), context);
    expect({ query, status: bad.statusCode }).toEqual({ query, status: 400 });
  }
});

it('POST /admin/dlq/redrive: nothing to move, then started and moved back, then 409 while running; bad input is 400', async () => {
  const empty = await dlq(event('POST /admin/dlq/redrive', { queue: 'events' }), context);
  expect(empty.statusCode).toBe(200);
  expect(JSON.parse(empty.body as string)).toMatchObject({ queue: 'events', status: 'nothing_to_move' });

  for (let i = 0; i < 3; i++) await sqs.send(new SendMessageCommand({ QueueUrl: queues.dlqs.TraceRequests, MessageBody: `dead${i}` }));
  const started = await dlq(event('POST /admin/dlq/redrive'), context); // queue defaults to trace
  expect(started.statusCode).toBe(202);
  expect(JSON.parse(started.body as string)).toMatchObject({ queue: 'trace', status: 'started', approximateMessages: 3 });
  const again = await dlq(event('POST /admin/dlq/redrive', { queue: 'trace' }), context);
  expect([409, 200]).toContain(again.statusCode); // 200 only if the move already finished
  if (again.statusCode === 409) expect(JSON.parse(again.body as string)).toMatchObject({ error: 'conflict', details: { task: { status: 'RUNNING' } } });

  await waitFor(
    async () => {
      const st = JSON.parse((await dlq(event('GET /admin/dlq/redrive', undefined, { queue: 'trace' }), context)).body as string);
      return !st.running && st.tasks[0]?.status === 'COMPLETED' && st.tasks[0].moved === 3;
    },
    { timeoutMs: 15_000, intervalMs: 200, what: 'redrive done' },
  );
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queues.queues.TraceRequests, AttributeNames: ['ApproximateNumberOfMessages'] }));
  expect(Number(attrs.Attributes?.ApproximateNumberOfMessages)).toBe(2 + 3);

  expect((await dlq(event('POST /admin/dlq/redrive', { queue: 'nope' }), context)).statusCode).toBe(400);
  expect((await dlq(event('POST /admin/dlq/redrive', { queue: 'trace', extra: 1 }), context)).statusCode).toBe(400);
});

it('the daily cleanup prunes old snapshots', async () => {
  await doc.send(new PutCommand({ TableName: tables.Ops, Item: { pk: 'poolstats', sk: '2020-01-01T00:00:00.000Z' } }));
  const result = await cleanup({}, context);
  expect(result).toMatchObject({ deleted: { 'pool snapshots': 1 }, incomplete: [] });
});
