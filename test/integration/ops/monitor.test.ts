/**
 * The monitor, the health check and the cleanup on real tables (DynamoDB Local) and queues
 * (local SQS), through the same wiring the handlers use.
 */
import { BatchWriteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { buildPoolMonitor } from '../../../lambdas/ops/pool-monitor';
import { runHealthCheck } from '../../../lambdas/ops/health-check';
import { createDriftTracker } from '../../../lambdas/ops/trace-drift';
import { openAlerts, type AlertEvent } from '../../../lambdas/ops/alerts';
import { recentSnapshots } from '../../../lambdas/ops/pool-snapshot';
import { runCleanup, defaultPruneTargets } from '../../../lambdas/ops/cleanup';
import { OpsWebhookLog } from '../../../lambdas/trackier/webhook';
import { monitorPorts } from '../../../lambdas/ops/wiring';
import { CLEANUP_CURSOR_PK, dynamoAlertStore, dynamoDriftStore, dynamoPruneStore, dynamoSnapshotStore } from '../../../lambdas/ops/ops-table';
import { readMonitorConfig } from '../../../lambdas/ops/config';
import { dlqUrlEnv, queueUrlEnv, tableEnv } from '../../../contracts/manifest/env';
import { freshQueues, freshTables, localDynamo, localSqs } from '../../support/local-endpoints';

const { client, doc } = localDynamo();
const { client: sqs } = localSqs();
afterAll(() => {
  client.destroy();
  sqs.destroy();
});

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const MIN = 60_000;

async function world(label: string) {
  const [tables, queues] = await Promise.all([freshTables(label), freshQueues(label)]);
  const env = {
    [tableEnv('IpPool')]: tables.IpPool,
    [tableEnv('Ops')]: tables.Ops,
    [tableEnv('Traces')]: tables.Traces,
    [queueUrlEnv('TraceRequests')]: queues.queues.TraceRequests,
    [dlqUrlEnv('TraceRequests')]: queues.dlqs.TraceRequests,
    [dlqUrlEnv('Events')]: queues.dlqs.Events,
  };
  const config = readMonitorConfig(env);
  let now = NOW;
  const clock = () => now;
  const ports = monitorPorts(config, { doc, sqs }, clock);
  return { tables, queues, config, ports, clock, setNow: (n: number) => (now = n) };
}

type World = Awaited<ReturnType<typeof world>>;

async function seedIps(w: World, ips: { id: string; country: string; state: 'available' | 'leased' | 'cooldown' | 'unhealthy' | 'disabled'; expired?: boolean }[]) {
  const items = ips.map(({ id, country, state, expired }) => ({
    ipId: id,
    host: `10.0.0.${id.length}`,
    port: 8080,
    provider: 'demo',
    country,
    enabled: state !== 'disabled',
    healthy: state !== 'unhealthy',
    fence: 1,
    successCount: 0,
    failureCount: 0,
    otherFailureCount: 0,
    consecutiveFailures: 0,
    createdAt: NOW,
    updatedAt: NOW,
    ...(state === 'leased' ? { availableAt: NOW + MIN, leaseOwner: 'tr' } : {}),
    ...(state === 'cooldown' ? { availableAt: NOW + MIN } : {}),
    ...(state === 'available' ? { availableAt: NOW - MIN, ...(expired ? { leaseOwner: 'dead' } : {}) } : {}),
  }));
  for (let at = 0; at < items.length; at += 25) {
    await doc.send(new BatchWriteCommand({ RequestItems: { [w.tables.IpPool]: items.slice(at, at + 25).map((Item) => ({ PutRequest: { Item } })) } }));
  }
}

let seq = 0;
async function seedTrace(w: World, status: string, agoMs: number, extra: Record<string, unknown> = {}) {
  await doc.send(
    new PutCommand({
      TableName: w.tables.Traces,
      Item: { traceId: `tr-${++seq}`, offerId: 'offer-1', status, statusAt: NOW - agoMs, createdAt: NOW - agoMs - 5000, updatedAt: NOW, expiresAt: 0, ...extra },
    }),
  );
}

describe('pool monitor on real tables', () => {
  it('builds the document from the pool, the queues and the Traces byStatus index', async () => {
    const w = await world('monitor');
    await seedIps(w, [
      { id: 'us1', country: 'us', state: 'available' },
      { id: 'us2', country: 'us', state: 'leased' },
      { id: 'us3', country: 'us', state: 'cooldown' },
      { id: 'de1', country: 'de', state: 'unhealthy' },
      { id: 'de2', country: 'de', state: 'available', expired: true },
      { id: 'de3', country: 'de', state: 'disabled' },
    ]);
    for (let i = 0; i < 8; i++)
      await seedTrace(w, 'completed', i * 30_000, {
        mode: i < 6 ? 'http' : 'browser',
        outcome: 'resolved',
        finalUrl: 'https://shop.example/land?gclid=1',
        timings: { traceMs: 100 * (i + 1) },
        proxyBytes: 1000,
      });
    await seedTrace(w, 'failed', 60_000, { error: { class: 'proxy', message: 'x' } });
    await seedTrace(w, 'dead_lettered', 90_000, { error: { class: 'offer', message: 'x' } });
    await seedTrace(w, 'completed', 2 * 3_600_000); // outside the hour
    await seedTrace(w, 'running', 1000);
    await seedTrace(w, 'queued', 1000);
    for (let i = 0; i < 3; i++) await sqs.send(new SendMessageCommand({ QueueUrl: w.queues.queues.TraceRequests, MessageBody: `m${i}` }));
    await sqs.send(new SendMessageCommand({ QueueUrl: w.queues.dlqs.Events, MessageBody: 'dead' }));

    const { document } = await buildPoolMonitor(w.ports, NOW);
    expect(document.pool_summary).toMatchObject({
      total: 6,
      healthy: 4,
      available: 2,
      leased: 1,
      cooldown: 1,
      unhealthy: 1,
      disabled: 1,
      utilization_pct: 25,
      expired_leases: 1,
      by_country: { de: { total: 3, unhealthy: 1, disabled: 1, available: 1 }, us: { total: 3, available: 1, leased: 1, cooldown: 1 } },
    });
    expect(document.active_requests).toEqual({ running: 1, queued: 1, retry_scheduled: 0, capped: false });
    expect(document.queue_depth).toEqual({ trace_queue: { visible: 3, in_flight: 0, delayed: 0 }, dlqs: { trace: { visible: 0 }, events: { visible: 1 } } });
    expect(document.performance).toMatchObject({
      finished_1h: 10,
      completed_1h: 8,
      success_rate_1h_pct: 80,
      failures_by_class: { proxy: 1, offer: 1 },
      http_only_pct: 75,
      browser_pct: 25,
      p95_trace_ms: 800,
      proxy_bytes_1h: 8000,
    });
    // 1 of 5 enabled IPs unhealthy (20 %: warning, critical above 25 %), an events DLQ message,
    // an expired lease, success 8/10 = 80 % < 90 %, a trace dead-lettered this hour: all warnings.
    expect(document.health).toBe('degraded');
    expect(document.warnings.map((x) => `${x.type}:${x.severity}`).sort()).toEqual(
      ['dlq_not_empty:warning', 'expired_leases:warning', 'success_rate:warning', 'unhealthy_ips:warning', 'traces_dead_lettered:warning'].sort(),
    );
    // No CloudWatch here: the two metric-only losses are not measured, the others are (none of Trackier's).
    expect(document.losses).toEqual({ window_minutes: 60, clicks_lost: null, events_lost: null, traces_dead_lettered: 1, trackier_updates_failed: 0 });
  });
});

describe('health check on real tables', () => {
  it('two concurrent runs: one snapshot, alerts opened once; later resolved, and drift reported', async () => {
    const w = await world('healthcheck');
    await seedIps(w, [
      ...Array.from({ length: 9 }, (_, i) => ({ id: `l${i}`, country: 'us', state: 'leased' as const })),
      { id: 'free', country: 'us', state: 'available' },
    ]);
    for (let i = 0; i < 10; i++) await seedTrace(w, 'completed', 10_000 + i, { outcome: 'resolved', finalUrl: `https://shop.example/a?x=${i}`, mode: 'http' });
    const events: AlertEvent[] = [];
    const deps = () => ({
      monitor: w.ports,
      drift: createDriftTracker({ store: dynamoDriftStore({ doc, opsTable: w.tables.Ops }) }),
      snapshots: { store: dynamoSnapshotStore({ doc, opsTable: w.tables.Ops }), retentionDays: 7 },
      alerts: { store: dynamoAlertStore({ doc, opsTable: w.tables.Ops }), publisher: { publish: async (e: AlertEvent) => void events.push(e) } },
      clock: w.clock,
    });

    const [a, b] = await Promise.all([runHealthCheck(deps()), runHealthCheck(deps())]);
    expect(a.health).toBe('degraded');
    expect([...a.alerts.opened, ...b.alerts.opened]).toEqual(['pool_utilization']);
    expect(events.map((e) => `${e.kind}:${e.type}`)).toEqual(['opened:pool_utilization']);
    expect(a.metrics).toEqual(
      expect.arrayContaining([
        { name: 'PoolUtilization', unit: 'Percent', value: 90 },
        { name: 'AvailableIps', unit: 'Count', value: 1 },
        { name: 'TraceSuccessRate', unit: 'Percent', value: 100 },
      ]),
    );
    const snaps = await recentSnapshots({ store: dynamoSnapshotStore({ doc, opsTable: w.tables.Ops }) }, NOW - 3_600_000, NOW);
    expect(snaps).toHaveLength(1);
    expect(snaps[0]).toMatchObject({ at: new Date(NOW).toISOString(), utilizationPct: 90, total: 10 });
    const baseline = await doc.send(new GetCommand({ TableName: w.tables.Ops, Key: { pk: 'drift#offer-1', sk: 'fingerprint' } }));
    expect(baseline.Item?.state.good).toEqual({ landing: 'https://shop.example/a', params: ['x'] });

    // Five minutes later: leases released, and the offer now lands elsewhere.
    await seedIps(w, [...Array.from({ length: 9 }, (_, i) => ({ id: `l${i}`, country: 'us', state: 'cooldown' as const }))]);
    w.setNow(NOW + 5 * MIN);
    await seedTrace(w, 'completed', -4 * MIN, { outcome: 'resolved', finalUrl: 'https://other.example/b?x=1&y=2', mode: 'browser' });
    const later = await runHealthCheck(deps());
    expect(later.alerts).toMatchObject({ opened: ['trace_drift'], resolved: ['pool_utilization'] });
    expect(events.map((e) => `${e.kind}:${e.type}`)).toEqual(['opened:pool_utilization', 'resolved:pool_utilization', 'opened:trace_drift']);
    expect((await openAlerts(dynamoAlertStore({ doc, opsTable: w.tables.Ops }))).map((x) => x.type)).toEqual(['trace_drift']);
    expect(later.warnings.find((x) => x.type === 'trace_drift')?.message).toContain('offer-1 (landing+params)');
  });
});

describe('cleanup on a real table', () => {
  it('deletes snapshots, resolved alerts and webhook logs older than their retention, in bounded runs', async () => {
    const w = await world('cleanup');
    const put = (pk: string, sk: string) => doc.send(new PutCommand({ TableName: w.tables.Ops, Item: { pk, sk } }));
    const iso = (daysAgo: number, i = 0) => new Date(NOW - daysAgo * 86_400_000 - i * 1000).toISOString();
    for (let i = 0; i < 30; i++) await put('poolstats', iso(8, i)); // old
    await put('poolstats', iso(1));
    await put('alert#queue_depth', `resolved#${iso(31)}`);
    await put('alert#queue_depth', `resolved#${iso(2)}`);
    await put('alert#queue_depth', 'open'); // never pruned

    const capped = await runCleanup({ store: dynamoPruneStore({ doc, opsTable: w.tables.Ops }), clock: w.clock, maxDeletesPerTarget: 20 });
    expect(capped.deleted['pool snapshots']).toBe(20);
    expect(capped.incomplete).toEqual(['pool snapshots']);
    const rest = await runCleanup({ store: dynamoPruneStore({ doc, opsTable: w.tables.Ops }), clock: w.clock }, defaultPruneTargets());
    expect(rest.deleted).toMatchObject({ 'pool snapshots': 10, 'alert history queue_depth': 0 });
    expect(rest.incomplete).toEqual([]);

    const left = async (pk: string) =>
      ((await doc.send(new QueryCommand({ TableName: w.tables.Ops, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk } }))).Items ?? []).map(
        (i) => i.sk,
      );
    expect(await left('poolstats')).toEqual([iso(1)]);
    expect((await left('alert#queue_depth')).sort()).toEqual(['open', `resolved#${iso(2)}`]);
  });

  it('deletes webhook logs past their retention under the keys the webhook writer uses, every offer and the unrouted', async () => {
    const w = await world('cleanup-webhooks');
    // Seeded by the writer itself, so the cleanup is tested against what is really written.
    const log = new OpsWebhookLog(doc, w.tables.Ops);
    const daysAgo = (d: number) => NOW - d * 86_400_000;
    const written = [
      { offerId: 'shoes', receivedAt: daysAgo(20) },
      { offerId: 'shoes', receivedAt: daysAgo(15) },
      { offerId: 'shoes', receivedAt: daysAgo(1) },
      { offerId: 'hats', receivedAt: daysAgo(30) },
      { offerId: 'hats', receivedAt: daysAgo(2) },
      { offerId: undefined, receivedAt: daysAgo(16) },
      { offerId: undefined, receivedAt: daysAgo(3) },
    ];
    for (const [i, entry] of written.entries()) {
      const accepted = { ...entry, receivedAt: entry.receivedAt + i, route: 'token', outcome: 'accepted', method: 'GET' };
      await log.write(accepted as unknown as Parameters<OpsWebhookLog['write']>[0]);
    }
    // Something else under the same prefix, not a webhook log: never touched.
    await doc.send(new PutCommand({ TableName: w.tables.Ops, Item: { pk: 'webhook#shoes', sk: '2000-01-01T00:00:00.000Z#other', type: 'something_else' } }));
    const logs = async () =>
      (
        await Promise.all(
          ['webhook#shoes', 'webhook#hats', 'webhook#unrouted'].map(async (pk) =>
            ((await doc.send(new QueryCommand({ TableName: w.tables.Ops, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk } }))).Items ?? []).map(
              (i) => `${String(i.pk)} ${String(i.sk).slice(0, 10)} ${String(i.type)}`,
            ),
          ),
        )
      )
        .flat()
        .sort();
    expect(await logs()).toHaveLength(8);

    // A bounded run (3 items a page, 1 page) stops with a cursor; the next runs resume from it.
    const targets = defaultPruneTargets().filter((t) => t.name === 'webhook logs');
    const first = await runCleanup({ store: dynamoPruneStore({ doc, opsTable: w.tables.Ops }), clock: w.clock, maxScanPages: 1, scanPageItems: 3 }, targets);
    expect(first.incomplete).toEqual(['webhook logs']);
    const cursor = await doc.send(new GetCommand({ TableName: w.tables.Ops, Key: { pk: CLEANUP_CURSOR_PK, sk: 'webhook logs' } }));
    expect(cursor.Item?.startKey).toBeDefined();
    let total = first.deleted['webhook logs']!;
    for (let run = 0; run < 10; run++) {
      const next = await runCleanup({ store: dynamoPruneStore({ doc, opsTable: w.tables.Ops }), clock: w.clock, maxScanPages: 1, scanPageItems: 3 }, targets);
      total += next.deleted['webhook logs']!;
      if (!next.incomplete.length) break;
    }
    expect(total).toBe(4);
    const day = (d: number) => new Date(daysAgo(d)).toISOString().slice(0, 10);
    expect(await logs()).toEqual(
      [
        `webhook#shoes ${day(1)} trackier_webhook`,
        'webhook#shoes 2000-01-01 something_else',
        `webhook#hats ${day(2)} trackier_webhook`,
        `webhook#unrouted ${day(3)} trackier_webhook`,
      ].sort(),
    );
    expect((await doc.send(new GetCommand({ TableName: w.tables.Ops, Key: { pk: CLEANUP_CURSOR_PK, sk: 'webhook logs' } }))).Item).toBeUndefined();
  });
});
