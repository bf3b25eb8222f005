/**
 * npm run bench:lease (second part) — a backlog at scale: 1,000 IPs across 10 countries and 10,000
 * traces queued at once, with the production cooldown (60 s), on the real lease pool and the real
 * lease-waiter queue in DynamoDB Local.
 *
 * Time is simulated: the clock the pool and the queue read is virtual, and it moves to the next
 * event (a trace ending, a reserved lease starting) only once everything due at the current
 * instant is done. The DynamoDB work is real (every acquire, registration, release and hand-off);
 * only the waiting is skipped, so the drain time reads the schedule the pool produced rather than
 * how fast DynamoDB Local runs on this machine. Task tokens are answered in process.
 *
 * Figures: drain time against the bound (per country: rounds of trace time + cooldown), FIFO per
 * country (a trace never starts before one that arrived earlier in its country), no trace given up,
 * and the DynamoDB requests a trace costs.
 */
import { performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startDynamoDbLocal } from '../local/dynamodb-local';
import { createTables } from '../local/provision';
import { LOCAL_REGION, localCredentials } from '../local/net';
import { NoIpAvailable } from '../lambdas/lease/errors';
import { upsertIps } from '../lambdas/lease/ip-import';
import { deriveIpId, type IpRecord } from '../lambdas/lease/ip-records';
import { createLeasePool, type Lease } from '../lambdas/lease/lease-pool';
import { createLeaseWaiters, type TaskTokens } from '../lambdas/lease/lease-waiters';
import { printTable } from './stats';

const COUNTRIES = Number(process.env.BENCH_COUNTRIES ?? 10);
const IPS_PER_COUNTRY = Number(process.env.BENCH_IPS_PER_COUNTRY ?? 100);
const TRACES = Number(process.env.BENCH_TRACES ?? 10_000);
const T = 8_000; // virtual ms a trace holds its IP
const C = 60_000; // the production cooldown
const LEASE_MS = 150_000;
/** Events of one instant run this many at a time (concurrent Lambdas racing for the same IPs). */
const CONCURRENCY = 32;

const countryOf = (i: number) => `c${String(i % COUNTRIES).padStart(2, '0')}`;

function records(country: string): IpRecord[] {
  return Array.from({ length: IPS_PER_COUNTRY }, (_, i) => {
    const host = `10.${country.charCodeAt(1)}.${country.charCodeAt(2)}.${i + 1}`;
    return { ipId: deriveIpId('luna', host, 7000), host, port: 7000, country, provider: 'luna', enabled: true };
  });
}

async function main(): Promise<boolean> {
  const wallStart = performance.now();
  const ddb = await startDynamoDbLocal();
  const client = new DynamoDBClient({ endpoint: ddb.endpoint, region: LOCAL_REGION, credentials: localCredentials, maxAttempts: 10 });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  let requests = 0;
  doc.middlewareStack.add((next) => (args) => (requests++, next(args)), { step: 'initialize', name: 'countRequests' });
  let now = 1_800_000_000_000;
  const clock = () => now;
  try {
    const names = await createTables(client, 'backlog');
    const tables = { ipPool: names.IpPool, ops: names.Ops };
    const countries = Array.from({ length: COUNTRIES }, (_, i) => countryOf(i));
    for (const c of countries) await upsertIps({ doc, tables, clock }, records(c));
    const pool = createLeasePool({ doc, tables, clock }, { leaseMs: LEASE_MS, cooldownMs: C });

    // The event queue: what runs at which virtual instant.
    const agenda = new Map<number, (() => Promise<void>)[]>();
    const at = (time: number, job: () => Promise<void>) => agenda.set(time, [...(agenda.get(time) ?? []), job]);
    const starts: { trace: number; country: string; at: number }[] = [];
    const failures: string[] = [];
    const byToken = new Map<string, number>();

    const traceWith = (trace: number, lease: Lease): void =>
      void at(Math.max(now, lease.startsAt), async () => {
        starts.push({ trace, country: lease.country, at: now });
        at(now + T, async () => {
          await pool.release(lease, 'success');
          await waiters.handOffIp({ ipId: lease.ipId, country: lease.country, leaseId: lease.leaseId });
        });
      });

    const tokens: TaskTokens = {
      async succeed(token, output) {
        traceWith(byToken.get(token)!, output as Lease);
        return 'sent';
      },
      async fail(token, error) {
        failures.push(`${token}: ${error}`);
        return 'sent';
      },
    };
    const waiters = createLeaseWaiters({ doc, table: tables.ops, clock, pool, tokens, grant: async (_w, lease) => lease });

    // The acquire task's own logic: queue behind waiters, else lease (or reserve), else queue.
    const arrive = (trace: number) => async () => {
      const country = countryOf(trace);
      const traceId = `t${String(trace).padStart(6, '0')}`;
      const taskToken = `token-${trace}`;
      byToken.set(taskToken, trace);
      if (!(await waiters.hasWaiting(country))) {
        const granted = await pool.grant(country, traceId).catch((error: unknown) => {
          if (error instanceof NoIpAvailable) return undefined;
          throw error;
        });
        if (granted) return void traceWith(trace, granted.lease);
      }
      // Arrival order: one arrival per virtual millisecond at the start.
      await waiters.register({ traceId, executionName: traceId, taskToken, country, anyCountry: false, arrivedAt: now - TRACES + trace, context: {} });
      await waiters.dispatch(country, 1);
    };
    for (let i = 0; i < TRACES; i++) at(now, arrive(i));

    const start = now;
    const requestsBefore = requests;
    while (agenda.size) {
      now = Math.min(...agenda.keys());
      // Everything due now, including what it schedules for now, before time moves on.
      while (agenda.has(now)) {
        const jobs = agenda.get(now)!;
        agenda.delete(now);
        for (let i = 0; i < jobs.length; i += CONCURRENCY) await Promise.all(jobs.slice(i, i + CONCURRENCY).map((j) => j()));
      }
      // What no release announces (none here) would be the minute sweep's: run it when the agenda empties.
      if (!agenda.size && starts.length < TRACES) await waiters.sweep(countries);
    }
    const drainMs = Math.max(...starts.map((s) => s.at)) + T - start;
    const rounds = Math.ceil(TRACES / COUNTRIES / IPS_PER_COUNTRY);
    const bound = (rounds - 1) * (T + C) + T;
    // FIFO per country: a trace never starts in a later round than one that arrived after it.
    // Arrivals started together (one batch of concurrent starts) are simultaneous: either may win.
    const batchOf = (trace: number) => Math.floor(trace / CONCURRENCY);
    let fifoViolations = 0;
    for (const c of countries) {
      const list = starts.filter((s) => s.country === c);
      const roundAt = [...new Set(list.map((s) => s.at))].sort((a, b) => a - b);
      const rounds = roundAt.map((t) => list.filter((s) => s.at === t).map((s) => batchOf(s.trace)));
      for (let r = 1; r < rounds.length; r++) {
        if (Math.max(...rounds[r - 1]!) > Math.min(...rounds[r]!)) {
          fifoViolations++;
          if (process.env.BENCH_DEBUG) console.log(c, r, rounds[r - 1], rounds[r]);
        }
      }
    }
    const unique = new Set(starts.map((s) => s.trace)).size;
    return printTable(
      `Lease backlog at scale (${COUNTRIES * IPS_PER_COUNTRY} IPs in ${COUNTRIES} countries, ${TRACES} traces at once, T=${T / 1000} s, C=${C / 1000} s; simulated time)`,
      [
        {
          figure: 'traces started / given up',
          value: `${unique} / ${failures.length}`,
          target: `= ${TRACES} / 0`,
          pass: unique === TRACES && failures.length === 0 && starts.length === TRACES,
        },
        { figure: 'drain time (virtual)', value: `${(drainMs / 1000).toFixed(1)} s` },
        { figure: 'bound: (rounds-1)*(T+C)+T', value: `${(bound / 1000).toFixed(1)} s (${rounds} rounds)` },
        { figure: 'drain / bound', value: (drainMs / bound).toFixed(3), target: '<= 1.05', pass: drainMs / bound <= 1.05 },
        { figure: 'rounds out of arrival order', value: String(fifoViolations), target: '= 0', pass: fifoViolations === 0 },
        { figure: 'DynamoDB requests per trace', value: ((requests - requestsBefore) / TRACES).toFixed(1) },
        { figure: 'wall time', value: `${((performance.now() - wallStart) / 1000).toFixed(0)} s` },
      ],
    );
  } finally {
    client.destroy();
    await ddb.stop();
  }
}

main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
