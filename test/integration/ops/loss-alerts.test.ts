/**
 * Every loss becomes an alert in the one alert system, on real tables (DynamoDB Local) and through
 * the EventBridge adapter (the local PutEvents endpoint): a dead-lettered trace, a Trackier URL2
 * update that failed for good (written by the Trackier side-effect store itself), and lost clicks
 * and events (their CloudWatch metrics: no local CloudWatch holds them, so that one port is a
 * stand-in). Each opens its alert once, is published, shows on the status page and in the
 * monitor's warnings, and resolves once the window holds no loss of its kind.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { buildPoolMonitor } from '../../../lambdas/ops/pool-monitor';
import { runHealthCheck } from '../../../lambdas/ops/health-check';
import { createDriftTracker } from '../../../lambdas/ops/trace-drift';
import { openAlerts } from '../../../lambdas/ops/alerts';
import { eventBridgeAlertPublisher } from '../../../lambdas/ops/adapters';
import { renderStatusPage } from '../../../lambdas/ops/status-page';
import { monitorPorts } from '../../../lambdas/ops/wiring';
import { dynamoAlertStore, dynamoDriftStore, dynamoSnapshotStore } from '../../../lambdas/ops/ops-table';
import { readMonitorConfig } from '../../../lambdas/ops/config';
import { ALERT_DETAIL_TYPES, ALERT_EVENT_SOURCE } from '../../../contracts/ops';
import { SideEffectStore, type FailedUpdate } from '../../../lambdas/trackier/side-effects';
import { LocalEventBridge } from '../../../local/eventbridge-local';
import { startJsonRpcServer } from '../../../local/json-rpc-server';
import { LOCAL_REGION, localCredentials } from '../../../local/net';
import { dlqUrlEnv, queueUrlEnv, tableEnv } from '../../../contracts/manifest/env';
import { freshQueues, freshTables, localDynamo, localSqs } from '../../support/local-endpoints';

const { client, doc } = localDynamo();
const { client: sqs } = localSqs();
const bus = new LocalEventBridge();
let rpc: Awaited<ReturnType<typeof startJsonRpcServer>>;
let events: EventBridgeClient;
beforeAll(async () => {
  rpc = await startJsonRpcServer(bus.handlers());
  events = new EventBridgeClient({ endpoint: rpc.endpoint, region: LOCAL_REGION, credentials: localCredentials });
});
afterAll(async () => {
  client.destroy();
  sqs.destroy();
  events.destroy();
  await rpc.stop();
});

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const MIN = 60_000;
const LOSS_TYPES = ['clicks_lost', 'events_lost', 'traces_dead_lettered', 'trackier_updates_failed'];

it('opens, publishes, shows and resolves an alert for each kind of loss', async () => {
  const [tables, queues] = await Promise.all([freshTables('loss-alerts'), freshQueues('loss-alerts')]);
  const config = readMonitorConfig({
    [tableEnv('IpPool')]: tables.IpPool,
    [tableEnv('Ops')]: tables.Ops,
    [tableEnv('Traces')]: tables.Traces,
    [queueUrlEnv('TraceRequests')]: queues.queues.TraceRequests,
    [dlqUrlEnv('TraceRequests')]: queues.dlqs.TraceRequests,
  });
  let now = NOW;
  const clock = () => now;
  // ClickLost and EventLost as CloudWatch would sum them: two lost clicks and one lost event 10 minutes ago.
  const lostAt = NOW - 10 * MIN;
  const ports = monitorPorts(config, { doc, sqs }, clock);
  const monitor = { ...ports, losses: { ...ports.losses, lostCounts: async (since: number) => (since <= lostAt ? { clicks: 2, events: 1 } : { clicks: 0, events: 0 }) } };

  // A trace that used up its retries.
  await doc.send(
    new PutCommand({
      TableName: tables.Traces,
      Item: {
        traceId: 'tr-dead',
        offerId: 'shoes',
        status: 'dead_lettered',
        statusAt: NOW - 20 * MIN,
        createdAt: NOW - 90 * MIN,
        updatedAt: NOW,
        expiresAt: 0,
        error: { class: 'offer', message: '500' },
      },
    }),
  );
  // A URL2 update that failed for good, recorded by the Trackier side-effect store as it does.
  const failed: FailedUpdate = {
    traceId: 'tr-upd',
    offerId: 'shoes',
    pairNumber: 2,
    campaignId: '77',
    url: 'https://shop.example/',
    values: {},
    status: 'failed',
    attempts: 1,
    dueAt: NOW - 5 * MIN,
    createdAt: NOW - 5 * MIN,
    updatedAt: NOW - 5 * MIN,
    lastError: { kind: 'http', status: 400, message: 'campaign not found' },
  };
  await new SideEffectStore(doc, tables.Ops).alert(failed, NOW - 5 * MIN);

  const deps = () => ({
    monitor,
    drift: createDriftTracker({ store: dynamoDriftStore({ doc, opsTable: tables.Ops }) }),
    snapshots: { store: dynamoSnapshotStore({ doc, opsTable: tables.Ops }), retentionDays: 7 },
    alerts: { store: dynamoAlertStore({ doc, opsTable: tables.Ops }), publisher: eventBridgeAlertPublisher(events, 'default', 'test') },
    clock,
  });

  // GET /admin/pool: the warnings, live.
  const { document } = await buildPoolMonitor(monitor, NOW);
  expect(document.losses).toEqual({ window_minutes: 60, clicks_lost: 2, events_lost: 1, traces_dead_lettered: 1, trackier_updates_failed: 1 });
  const warnings = Object.fromEntries(document.warnings.map((w) => [w.type, w]));
  expect(warnings.clicks_lost).toMatchObject({ severity: 'critical', value: 2 });
  expect(warnings.events_lost).toMatchObject({ severity: 'warning', value: 1 });
  expect(warnings.traces_dead_lettered).toMatchObject({ severity: 'warning', value: 1, message: expect.stringContaining('tr-dead') });
  expect(warnings.trackier_updates_failed).toMatchObject({ severity: 'critical', value: 1, message: expect.stringContaining('shoes pair 2') });

  // The health check opens one alert each, once, and publishes it (EventBridge → SNS in AWS).
  const first = await runHealthCheck(deps());
  expect(first.alerts.opened.filter((t) => LOSS_TYPES.includes(t)).sort()).toEqual([...LOSS_TYPES].sort());
  const again = await runHealthCheck(deps());
  expect(again.alerts.opened).toEqual([]);
  const published = bus.events.filter((e) => e.source === ALERT_EVENT_SOURCE).map((e) => JSON.parse(e.detail!) as { type: string; kind: string });
  for (const type of LOSS_TYPES) expect(published.filter((p) => p.type === type)).toEqual([expect.objectContaining({ kind: 'opened', type })]);
  expect(published.find((p) => p.type === 'clicks_lost')).toMatchObject({ kind: 'opened' });
  expect(bus.events.find((e) => e.detail?.includes('clicks_lost'))?.detailType).toBe(ALERT_DETAIL_TYPES.opened);

  // The status page shows them.
  const open = await openAlerts(dynamoAlertStore({ doc, opsTable: tables.Ops }));
  expect(
    open
      .map((a) => a.type)
      .filter((t) => LOSS_TYPES.includes(t))
      .sort(),
  ).toEqual([...LOSS_TYPES].sort());
  const page = renderStatusPage({ now: NOW, alerts: open });
  for (const type of LOSS_TYPES) expect(page).toContain(type);

  // An hour and more later, with no new loss, every one of them resolves (and says so).
  now = NOW + 61 * MIN;
  const later = await runHealthCheck(deps());
  expect(later.alerts.resolved.filter((t) => LOSS_TYPES.includes(t)).sort()).toEqual([...LOSS_TYPES].sort());
  const resolved = bus.events.filter((e) => e.detailType === ALERT_DETAIL_TYPES.resolved).map((e) => (JSON.parse(e.detail!) as { type: string }).type);
  expect(resolved.filter((t) => LOSS_TYPES.includes(t)).sort()).toEqual([...LOSS_TYPES].sort());
});
