/** The alert rules on an in-memory AlertStore (the DynamoDB one is covered by test/integration/ops/alerts.test.ts). */
import { openAlerts, reconcileAlerts, type AlertEvent, type AlertRef, type AlertStore, type OpenAlert, type ResolvedAlert } from '../../../lambdas/ops/alerts';
import type { HealthWarning } from '../../../lambdas/ops/thresholds';

type Row = (OpenAlert | ResolvedAlert) & { publishedAt?: string };

function memoryStore() {
  const open = new Map<string, Row>();
  const resolved = new Map<string, Row>();
  const rowOf = (ref: AlertRef) => (ref.resolvedAt ? resolved.get(`${ref.type}|${ref.resolvedAt}`) : open.get(ref.type));
  const store: AlertStore = {
    async open(alert) {
      if (open.has(alert.type)) return false;
      open.set(alert.type, { ...alert });
      return true;
    },
    async refresh(type, fields) {
      const row = open.get(type);
      if (!row) return undefined;
      Object.assign(row, fields);
      return { ...row };
    },
    async close(type) {
      const row = open.get(type);
      open.delete(type);
      return row;
    },
    async addResolved(alert) {
      const key = `${alert.type}|${alert.resolvedAt}`;
      if (!resolved.has(key)) resolved.set(key, { ...alert });
    },
    async unannounced(type, limit) {
      return [...resolved.values()].filter((r) => r.type === type && !r.publishedAt).slice(0, limit) as ResolvedAlert[];
    },
    async history(type, limit) {
      return [...resolved.values()].filter((r) => r.type === type).slice(0, limit) as ResolvedAlert[];
    },
    async claimAnnouncement(ref, at) {
      const row = rowOf(ref);
      if (!row || row.publishedAt) return false;
      row.publishedAt = at;
      return true;
    },
    async releaseAnnouncement(ref, at) {
      const row = rowOf(ref);
      if (row?.publishedAt === at) delete row.publishedAt;
    },
    async allOpen() {
      return [...open.values()];
    },
  };
  return { store, open, resolved };
}

const w = (type: HealthWarning['type'], severity: HealthWarning['severity'] = 'warning'): HealthWarning => ({
  type,
  severity,
  message: type,
  recommendation: 'fix',
  value: 30,
  threshold: 20,
});
const T0 = Date.UTC(2026, 10, 23, 12);

function publisher() {
  const p = {
    events: [] as AlertEvent[],
    fail: 0,
    async publish(e: AlertEvent) {
      if (p.fail-- > 0) throw new Error('bus down');
      p.events.push(e);
    },
  };
  return p;
}

test('opens once, announces once, refreshes while breached, resolves into the history with one announcement', async () => {
  const { store, resolved } = memoryStore();
  const pub = publisher();
  const deps = { store, publisher: pub };
  expect(await reconcileAlerts(deps, [w('queue_depth')], ['queue_depth'], T0)).toMatchObject({ opened: ['queue_depth'], published: 1 });
  expect(await reconcileAlerts(deps, [w('queue_depth', 'critical')], ['queue_depth'], T0 + 1)).toMatchObject({ opened: [], stillOpen: ['queue_depth'], published: 0 });
  expect((await openAlerts(store))[0]).toMatchObject({ severity: 'critical', openedAt: new Date(T0).toISOString() });
  expect(await reconcileAlerts(deps, [], ['queue_depth', 'dlq_not_empty'], T0 + 2)).toMatchObject({ resolved: ['queue_depth'], published: 1 });
  expect(pub.events.map((e) => e.kind)).toEqual(['opened', 'resolved']);
  expect([...resolved.values()]).toHaveLength(1);
  expect(await openAlerts(store)).toEqual([]);
});

test('a failed announcement is released and sent by the next run; unchecked types are left alone', async () => {
  const { store } = memoryStore();
  const pub = publisher();
  pub.fail = 1;
  const deps = { store, publisher: pub };
  const first = await reconcileAlerts(deps, [w('success_rate')], ['success_rate'], T0);
  expect(first.publishErrors).toEqual([{ type: 'success_rate', kind: 'opened', error: 'bus down' }]);
  expect(await reconcileAlerts(deps, [w('success_rate')], ['success_rate'], T0 + 1)).toMatchObject({ published: 1 });
  expect(await reconcileAlerts(deps, [], [], T0 + 2)).toMatchObject({ resolved: [], published: 0 });
  expect(pub.events.map((e) => `${e.kind}:${e.type}`)).toEqual(['opened:success_rate']);
});

test('an alert resolved by a concurrent run between open and refresh is neither counted nor announced', async () => {
  const { store } = memoryStore();
  const pub = publisher();
  const racing: AlertStore = { ...store, open: async () => false, refresh: async () => undefined };
  const r = await reconcileAlerts({ store: racing, publisher: pub }, [w('queue_depth')], ['queue_depth'], T0);
  expect(r).toMatchObject({ opened: [], stillOpen: [], published: 0 });
  expect(pub.events).toEqual([]);
});
