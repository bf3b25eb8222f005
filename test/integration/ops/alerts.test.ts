/** Alert dedup and auto-resolve against DynamoDB Local, including concurrent health checks. */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { alertHistory, openAlerts, reconcileAlerts, type AlertEvent, type AlertPublisher } from '../../../lambdas/ops/alerts';
import type { HealthWarning } from '../../../lambdas/ops/thresholds';
import { dynamoAlertStore } from '../../../lambdas/ops/ops-table';
import { freshTables, localDynamo } from '../../support/local-endpoints';

const { client, doc } = localDynamo();
afterAll(() => client.destroy());

const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);
const w = (type: HealthWarning['type'], severity: HealthWarning['severity'] = 'warning', value = 30): HealthWarning => ({
  type,
  severity,
  message: `${type} is ${value}`,
  recommendation: 'do something',
  value,
  threshold: 20,
});

function recorder(): AlertPublisher & { events: AlertEvent[]; failNext: number } {
  const r = {
    events: [] as AlertEvent[],
    failNext: 0,
    async publish(e: AlertEvent) {
      if (r.failNext > 0) {
        r.failNext--;
        throw new Error('bus down');
      }
      r.events.push(e);
    },
  };
  return r;
}

async function setup() {
  const tables = await freshTables('alerts');
  const publisher = recorder();
  return { publisher, opsTable: tables.Ops, deps: { store: dynamoAlertStore({ doc, opsTable: tables.Ops }), publisher, historyDays: 30 } };
}

describe('alerts', () => {
  it('opens one alert per type, refreshes it while it lasts, resolves it when it clears', async () => {
    const { deps, publisher } = await setup();
    const checked = ['queue_depth', 'dlq_not_empty'] as const;

    const r1 = await reconcileAlerts(deps, [w('queue_depth')], [...checked], T0);
    expect(r1).toMatchObject({ opened: ['queue_depth'], resolved: [], published: 1 });

    const r2 = await reconcileAlerts(deps, [w('queue_depth', 'critical', 150)], [...checked], T0 + 300_000);
    expect(r2).toMatchObject({ opened: [], stillOpen: ['queue_depth'], published: 0 });
    const open = await openAlerts(deps.store);
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ type: 'queue_depth', severity: 'critical', value: 150, openedAt: new Date(T0).toISOString() });

    const r3 = await reconcileAlerts(deps, [], [...checked], T0 + 600_000);
    expect(r3).toMatchObject({ resolved: ['queue_depth'], published: 1 });
    expect(await openAlerts(deps.store)).toEqual([]);
    const history = await alertHistory(deps.store, 'queue_depth');
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ openedAt: new Date(T0).toISOString(), resolvedAt: new Date(T0 + 600_000).toISOString(), severity: 'critical' });
    expect((history[0] as unknown as { expiresAt: number }).expiresAt).toBe(Math.floor((T0 + 600_000) / 1000) + 30 * 86_400);

    expect(publisher.events.map((e) => `${e.kind}:${e.type}`)).toEqual(['opened:queue_depth', 'resolved:queue_depth']);
    // A new breach later is a new alert.
    await reconcileAlerts(deps, [w('queue_depth')], [...checked], T0 + 900_000);
    expect(publisher.events.map((e) => e.kind)).toEqual(['opened', 'resolved', 'opened']);
  });

  it('leaves alerts of unchecked types alone', async () => {
    const { deps } = await setup();
    await reconcileAlerts(deps, [w('success_rate', 'critical', 40)], ['success_rate'], T0);
    const r = await reconcileAlerts(deps, [], ['queue_depth'], T0 + 300_000); // not enough samples: success_rate not checked
    expect(r.resolved).toEqual([]);
    expect((await openAlerts(deps.store)).map((a) => a.type)).toEqual(['success_rate']);
  });

  it('two concurrent health checks open once, notify once, resolve once', async () => {
    const { deps, publisher } = await setup();
    const warnings = [w('queue_depth'), w('dlq_not_empty'), w('expired_leases')];
    const checked = ['queue_depth', 'dlq_not_empty', 'expired_leases'] as const;
    for (let round = 0; round < 3; round++) {
      const opened = await Promise.all([1, 2, 3].map(() => reconcileAlerts(deps, warnings, [...checked], T0 + round * 10)));
      if (round === 0) expect(opened.flatMap((r) => r.opened).sort()).toEqual([...checked].sort());
    }
    expect(await openAlerts(deps.store)).toHaveLength(3);
    expect(
      publisher.events
        .filter((e) => e.kind === 'opened')
        .map((e) => e.type)
        .sort(),
    ).toEqual([...checked].sort());

    const resolved = await Promise.all([1, 2, 3].map(() => reconcileAlerts(deps, [], [...checked], T0 + 1000)));
    expect(resolved.flatMap((r) => r.resolved).sort()).toEqual([...checked].sort());
    expect(await openAlerts(deps.store)).toEqual([]);
    expect(publisher.events.filter((e) => e.kind === 'resolved')).toHaveLength(3);
    for (const type of checked) expect(await alertHistory(deps.store, type)).toHaveLength(1);
  });

  it('a failed notification is sent again by the next run, once', async () => {
    const { deps, publisher, opsTable } = await setup();
    publisher.failNext = 1;
    const r1 = await reconcileAlerts(deps, [w('queue_depth')], ['queue_depth'], T0);
    expect(r1.opened).toEqual(['queue_depth']);
    expect(r1.publishErrors).toEqual([{ type: 'queue_depth', kind: 'opened', error: 'bus down' }]);
    const item = await doc.send(new GetCommand({ TableName: opsTable, Key: { pk: 'alert#queue_depth', sk: 'open' } }));
    expect(item.Item?.publishedAt).toBeUndefined();

    const r2 = await reconcileAlerts(deps, [w('queue_depth')], ['queue_depth'], T0 + 300_000);
    expect(r2.published).toBe(1);
    await reconcileAlerts(deps, [w('queue_depth')], ['queue_depth'], T0 + 600_000);
    expect(publisher.events.map((e) => e.kind)).toEqual(['opened']);

    publisher.failNext = 1;
    const r4 = await reconcileAlerts(deps, [], ['queue_depth'], T0 + 900_000);
    expect(r4.resolved).toEqual(['queue_depth']);
    expect(r4.publishErrors).toHaveLength(1);
    const r5 = await reconcileAlerts(deps, [], ['queue_depth'], T0 + 1_200_000);
    expect(r5.published).toBe(1);
    await reconcileAlerts(deps, [], ['queue_depth'], T0 + 1_500_000);
    expect(publisher.events.map((e) => e.kind)).toEqual(['opened', 'resolved']);
    expect(publisher.events[1]).toMatchObject({ type: 'queue_depth', resolvedAt: new Date(T0 + 900_000).toISOString() });
  });
});
