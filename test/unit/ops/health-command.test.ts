import type { AdminClient, AdminResponse } from '../../../bin/commands/admin-client';
import { formatHealth, runHealth, runRedrive } from '../../../bin/commands/health';
import type { PoolDocument } from '../../../lambdas/ops/pool-monitor';

type Handler = (method: string, path: string, body?: unknown) => AdminResponse | Promise<AdminResponse>;
function fakeClient(handler: Handler): AdminClient & { calls: string[] } {
  const calls: string[] = [];
  return {
    baseUrl: 'http://fake',
    calls,
    async request<T>(method: string, path: string, body?: unknown) {
      calls.push(`${method} ${path}`);
      return (await handler(method, path, body)) as AdminResponse<T>;
    },
  };
}

const doc = (health: PoolDocument['health'], warnings: PoolDocument['warnings'] = []): PoolDocument => ({
  health,
  checked_at: '2026-11-23T12:00:00.000Z',
  pool_summary: {
    total: 4,
    healthy: 3,
    available: 2,
    leased: 1,
    cooldown: 0,
    unhealthy: 1,
    disabled: 0,
    utilization_pct: 33.3,
    expired_leases: 0,
    by_country: { us: { total: 4, available: 2, leased: 1, cooldown: 0, unhealthy: 1, disabled: 0 } },
  },
  active_requests: { running: 1, queued: 0, retry_scheduled: 0, capped: false },
  queue_depth: { trace_queue: { visible: 0, in_flight: 1, delayed: 0 }, dlqs: { trace: { visible: 0 } } },
  performance: null,
  warnings,
  unavailable: [],
});

const capture = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, print: (l: string) => out.push(l), printErr: (l: string) => err.push(l) };
};

describe('tracepool health', () => {
  it.each([
    ['healthy', 0],
    ['degraded', 1],
    ['critical', 2],
  ] as const)('exits for %s with %d', async (health, code) => {
    const c = capture();
    const w =
      health === 'healthy'
        ? []
        : [
            {
              type: 'queue_depth' as const,
              severity: health === 'critical' ? ('critical' as const) : ('warning' as const),
              message: 'deep',
              recommendation: 'drain it',
              value: 30,
              threshold: 20,
            },
          ];
    expect(
      await runHealth(
        fakeClient(() => ({ status: 200, body: doc(health, w) })),
        {},
        c.print,
        c.printErr,
      ),
    ).toBe(code);
    expect(c.out.join('\n')).toContain(`Health: ${health.toUpperCase()}`);
  });

  it('exits 2 when the API is unreachable or answers an error', async () => {
    const c = capture();
    expect(
      await runHealth(
        fakeClient(() => Promise.reject(new TypeError('fetch failed'))),
        {},
        c.print,
        c.printErr,
      ),
    ).toBe(2);
    expect(c.err[0]).toMatch(/unreachable: fetch failed — is the local stack running/);
    expect(
      await runHealth(
        fakeClient(() => ({ status: 500, body: { message: 'Internal error' } })),
        {},
        c.print,
        c.printErr,
      ),
    ).toBe(2);
    expect(
      await runHealth(
        fakeClient(() => ({ status: 403, body: 'Forbidden' })),
        {},
        c.print,
        c.printErr,
      ),
    ).toBe(2);
  });

  it('--json prints the document as is, same exit code', async () => {
    const c = capture();
    expect(
      await runHealth(
        fakeClient(() => ({ status: 200, body: doc('degraded') })),
        { json: true },
        c.print,
        c.printErr,
      ),
    ).toBe(1);
    expect(JSON.parse(c.out[0]!)).toMatchObject({ health: 'degraded', pool_summary: { total: 4 } });
  });

  it('the table shows countries, queues, unavailable sections and each warning with its recommendation', () => {
    const text = formatHealth(
      doc('degraded', [
        { type: 'dlq_not_empty', severity: 'warning', message: 'Dead-letter queue not empty: trace 3', recommendation: 'tracepool dlq redrive', value: 3, threshold: 0 },
      ]),
    );
    expect(text).toMatch(/CC\s+TOTAL\s+AVAIL/);
    expect(text).toMatch(/us\s+4\s+2\s+1/);
    expect(text).toContain('Traces:  unavailable');
    expect(text).toContain('WARNING  dlq_not_empty: Dead-letter queue not empty: trace 3');
    expect(text).toContain('→ tracepool dlq redrive');
  });
});

describe('tracepool dlq redrive', () => {
  it('reports how many messages are moving, and with --wait how many moved', async () => {
    let polls = 0;
    const client = fakeClient((method) => {
      if (method === 'POST') return { status: 202, body: { status: 'started', queue: 'trace', approximateMessages: 7, taskHandle: 'h' } };
      polls++;
      return polls < 2
        ? { status: 200, body: { approximateMessages: 4, running: true, tasks: [{ status: 'RUNNING', moved: 3, toMove: 7 }] } }
        : { status: 200, body: { approximateMessages: 0, running: false, tasks: [{ status: 'COMPLETED', moved: 7, toMove: 7 }] } };
    });
    const c = capture();
    expect(await runRedrive(client, { queue: 'trace', wait: true, pollMs: 1 }, c.print, c.printErr)).toBe(0);
    expect(c.out).toEqual(['Moving ~7 message(s) from the trace DLQ back to its queue.', 'Moved 7 message(s).']);
    expect(client.calls).toEqual(['POST /admin/dlq/redrive', 'GET /admin/dlq/redrive?queue=trace', 'GET /admin/dlq/redrive?queue=trace']);
  });

  it('says when there is nothing to move, and when a move already runs', async () => {
    const c = capture();
    expect(
      await runRedrive(
        fakeClient(() => ({ status: 200, body: { status: 'nothing_to_move', queue: 'events', approximateMessages: 0 } })),
        { queue: 'events' },
        c.print,
        c.printErr,
      ),
    ).toBe(0);
    expect(c.out).toEqual(['The events DLQ is empty: nothing to move.']);
    expect(
      await runRedrive(
        fakeClient(() => ({ status: 409, body: { error: 'conflict', message: 'running', details: { task: { status: 'RUNNING', moved: 2, toMove: 9 } } } })),
        { queue: 'trace' },
        c.print,
        c.printErr,
      ),
    ).toBe(1);
    expect(c.err).toEqual(['A redrive of the trace DLQ is already running: 2 of 9 moved so far.']);
  });

  it('reports a failed move task', async () => {
    const client = fakeClient((method) =>
      method === 'POST'
        ? { status: 202, body: { status: 'started', queue: 'trace', approximateMessages: 2 } }
        : { status: 200, body: { approximateMessages: 2, running: false, tasks: [{ status: 'FAILED', moved: 0, toMove: 2, failureReason: 'AccessDenied' }] } },
    );
    const c = capture();
    expect(await runRedrive(client, { queue: 'trace', wait: true, pollMs: 1 }, c.print, c.printErr)).toBe(1);
    expect(c.err).toEqual(['Redrive failed after moving 0 message(s): AccessDenied.']);
  });
});
