/**
 * npm run bench:pipeline — the whole pipeline on the local stack: P local proxies, an upstream
 * that answers after T ms, a scaled-down cooldown C, and clicks at twice the pool's capacity for a
 * fixed window. Reports completed traces/s against the bound P / (T + C), click-to-result
 * latency, and that no click was lost or traced twice.
 * Target: throughput ≥ 0.85 of the bound; zero lost or duplicated traces.
 *
 * Then a burst with the cooldown far longer than the trace (T = 100 ms, C = 6 s, P = 4, 40 clicks at
 * once): the backlog waits in the lease-waiter queue, and each release hands its IP to the longest
 * waiter. Reports the pool's drain time (first lease to last result) against the bound
 * (rounds − 1)·(T + C) + T (target ≤ 1.05), how
 * many traces fell to retry_scheduled (target 0) and state transitions per trace (target ≤ 10).
 */
import http from 'node:http';
import { startLocalStack } from '../local/stack';
import { freePort } from '../local/net';
import type { TraceRecord } from '../lambdas/traces/trace-record';
import { printTable, summarize, ms } from './stats';

const P = Number(process.env.BENCH_P ?? 4);
const T = Number(process.env.BENCH_T_MS ?? 1000);
const C = Number(process.env.BENCH_C_MS ?? 500);
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 20_000);
const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36';

async function upstream(T: number): Promise<{ url: string; close(): Promise<void> }> {
  const port = await freePort();
  const server = http.createServer((req, res) => {
    // One hop that takes T, then the landing page.
    if (req.url?.startsWith('/go')) {
      setTimeout(() => {
        res.writeHead(302, { location: `/landing${req.url!.slice(3)}` });
        res.end();
      }, T);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><title>landing</title><h1>Landing</h1>${'<p>content</p>'.repeat(20)}`);
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))) };
}

async function steadyState(): Promise<boolean> {
  const up = await upstream(T);
  const stack = await startLocalStack({
    port: 0,
    prefix: `bench-${Date.now()}`,
    logLevel: 'SILENT',
    proxyBasePort: 0,
    proxyCount: P,
    schedules: false,
    demo: false,
    env: { LEASE_COOLDOWN_MS: String(C), LEASE_MS: '30000' },
  });
  const admin = (path: string, init: RequestInit = {}) =>
    fetch(`${stack.url}${path}`, { ...init, headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
  try {
    // The offer's trace budget well above the click rate: this measures the pool, not the budget.
    await admin('/admin/offers/bench', {
      method: 'PUT',
      body: JSON.stringify({ redirectUrl: 'https://shop.example/', trackingUrl: `${up.url}/go`, country: 'us', tracePolicy: { maxTracesPerMinute: 6000 } }),
    });
    const bound = P / ((T + C) / 1000);
    const rate = 2 * bound;
    // Warm-up: every handler imported once, sockets open.
    await fetch(`${stack.url}/c/bench?gclid=warm`, { redirect: 'manual', headers: { 'user-agent': CHROME } });
    await new Promise((r) => setTimeout(r, 3000));
    await stack.stepFunctions!.idle();

    const started = Date.now();
    let sent = 0;
    const sends: Promise<Response>[] = [];
    while (Date.now() - started < WINDOW_MS) {
      const due = Math.floor(((Date.now() - started) / 1000) * rate);
      while (sent < due) sends.push(fetch(`${stack.url}/c/bench?gclid=b${sent++}`, { redirect: 'manual', headers: { 'user-agent': CHROME } }));
      await new Promise((r) => setTimeout(r, 20));
    }
    const statuses = await Promise.all(sends.map((p) => p.then((r) => r.status)));
    // Throughput while the pool was saturated: completions inside the window's second half.
    const deadline = Date.now() + 120_000;
    let traces: TraceRecord[] = [];
    while (Date.now() < deadline) {
      const res = await admin('/admin/traces?offerId=bench&limit=500');
      traces = ((await res.json()) as { traces: TraceRecord[] }).traces.filter((t) => t.request.params.gclid !== 'warm');
      if (traces.length >= sent && traces.every((t) => !['queued', 'running'].includes(t.status))) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    await stack.stepFunctions!.idle();
    const completed = traces.filter((t) => t.status === 'completed');
    const doneTimes = completed.map((t) => t.statusAt).sort((a, b) => a - b);
    const from = started + WINDOW_MS / 2;
    const to = started + WINDOW_MS;
    const inSteadyState = doneTimes.filter((t) => t >= from && t < to).length;
    const throughput = inSteadyState / ((to - from) / 1000);
    const latency = summarize(completed.map((t) => t.timings?.totalMs ?? NaN).filter(Number.isFinite));
    const ids = new Set(traces.map((t) => t.traceId));
    const executions = [...stack.stepFunctions!.executions.keys()].filter((n) => ids.has(n.replace(/-a\d+$/, '')));
    const lost = sent - traces.length;
    const duplicated = traces.length - ids.size;
    return printTable(`Pipeline (P=${P} proxies, T=${T} ms upstream, C=${C} ms cooldown, ${WINDOW_MS / 1000} s at ${rate.toFixed(1)} clicks/s = 2x the bound)`, [
      { figure: 'clicks sent / answered 302', value: `${sent} / ${statuses.filter((s) => s === 302).length}` },
      { figure: 'bound P/(T+C)', value: `${bound.toFixed(2)} /s` },
      { figure: 'completed traces/s (steady state)', value: `${throughput.toFixed(2)} /s` },
      { figure: 'throughput / bound', value: (throughput / bound).toFixed(3), target: '>= 0.85', pass: throughput / bound >= 0.85 },
      { figure: 'click-to-result p50', value: ms(latency.p50) },
      { figure: 'click-to-result p99', value: ms(latency.p99) },
      { figure: 'final: completed / other', value: `${completed.length} / ${traces.length - completed.length}` },
      { figure: 'lost clicks (no trace record)', value: String(lost), target: '= 0', pass: lost === 0 },
      { figure: 'duplicated traces', value: String(duplicated), target: '= 0', pass: duplicated === 0 },
      { figure: 'executions per trace', value: (executions.length / Math.max(1, traces.length)).toFixed(2) },
      {
        figure: 'state transitions per trace (max)',
        value: String(Math.max(...traces.map((t) => stack.stepFunctions!.executions.get(t.traceId)?.transitions ?? 0))),
        target: '<= 10',
        pass: traces.every((t) => (stack.stepFunctions!.executions.get(t.traceId)?.transitions ?? 0) <= 10),
      },
    ]);
  } finally {
    await stack.stop();
    await up.close();
  }
}

const BURST = { P: 4, T: 100, C: 6000, clicks: 40 };

async function burst(): Promise<boolean> {
  const { P: bp, T: bt, C: bc, clicks } = BURST;
  const up = await upstream(bt);
  const stack = await startLocalStack({
    port: 0,
    prefix: `bench-burst-${Date.now()}`,
    logLevel: 'SILENT',
    proxyBasePort: 0,
    proxyCount: bp,
    schedules: false,
    demo: false,
    env: { LEASE_COOLDOWN_MS: String(bc), LEASE_MS: '30000' },
  });
  const admin = (path: string, init: RequestInit = {}) =>
    fetch(`${stack.url}${path}`, { ...init, headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
  try {
    await admin('/admin/offers/burst', {
      method: 'PUT',
      body: JSON.stringify({ redirectUrl: 'https://shop.example/', trackingUrl: `${up.url}/go`, country: 'us', tracePolicy: { mode: 'http', maxTracesPerMinute: 6000 } }),
    });
    // Warm-up on a second offer (every handler imported once), then let the IP's cooldown pass.
    await admin('/admin/offers/warm', {
      method: 'PUT',
      body: JSON.stringify({ redirectUrl: 'https://shop.example/', trackingUrl: `${up.url}/go`, country: 'us', tracePolicy: { mode: 'http' } }),
    });
    await fetch(`${stack.url}/c/warm?gclid=warm`, { redirect: 'manual', headers: { 'user-agent': CHROME } });
    await new Promise((r) => setTimeout(r, 2000));
    await stack.stepFunctions!.idle();
    await new Promise((r) => setTimeout(r, bc));

    const started = Date.now();
    const statuses = await Promise.all(
      Array.from({ length: clicks }, (_, i) =>
        fetch(`${stack.url}/c/burst?gclid=burst${i}`, { redirect: 'manual', headers: { 'user-agent': CHROME } }).then((r) => r.status),
      ),
    );
    const rounds = Math.ceil(clicks / bp);
    const bound = (rounds - 1) * (bt + bc) + bt;
    let traces: TraceRecord[] = [];
    const deadline = Date.now() + bound * 3;
    while (Date.now() < deadline) {
      const res = await admin('/admin/traces?offerId=burst&limit=500');
      traces = ((await res.json()) as { traces: TraceRecord[] }).traces;
      if (traces.length >= clicks && traces.every((t) => !['queued', 'running'].includes(t.status))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await stack.stepFunctions!.idle();
    const completed = traces.filter((t) => t.status === 'completed');
    // The pool's drain: from the first lease to the last result. Getting the clicks to the pool
    // (SQS, the starter, the execution's start) is reported on its own below.
    const firstLease = Math.min(...completed.map((t) => t.leaseAcquiredAt ?? Infinity));
    const drain = Math.max(...completed.map((t) => t.statusAt)) - firstLease;
    const retried = traces.filter((t) => t.attempts > 1 || t.status !== 'completed').length;
    const transitions = traces.map((t) => stack.stepFunctions!.executions.get(t.traceId)?.transitions ?? NaN);
    const perTrace = Math.max(...transitions);
    const held = summarize(completed.map((t) => (t.leaseReleasedAt ?? NaN) - (t.leaseAcquiredAt ?? NaN)).filter(Number.isFinite));
    const waited = summarize(completed.map((t) => t.timings?.leaseWaitMs ?? NaN).filter(Number.isFinite));
    return printTable(`Burst (P=${bp} proxies, T=${bt} ms upstream, C=${bc / 1000} s cooldown, ${clicks} clicks at once)`, [
      { figure: 'clicks sent / answered 302', value: `${clicks} / ${statuses.filter((x) => x === 302).length}` },
      { figure: 'completed', value: `${completed.length} / ${clicks}`, target: `= ${clicks}`, pass: completed.length === clicks },
      { figure: 'bound (rounds-1)(T+C)+T', value: `${(bound / 1000).toFixed(1)} s (${rounds} rounds)` },
      { figure: 'drain time (first lease to last result)', value: `${(drain / 1000).toFixed(1)} s` },
      { figure: 'drain / bound', value: (drain / bound).toFixed(3), target: '<= 1.05', pass: drain / bound <= 1.05 },
      { figure: 'traces retried or not completed', value: String(retried), target: '= 0', pass: retried === 0 },
      { figure: 'state transitions per trace (max)', value: String(perTrace), target: '<= 10', pass: perTrace <= 10 },
      { figure: 'lease wait p50 / max', value: `${(waited.p50 / 1000).toFixed(1)} s / ${(waited.max / 1000).toFixed(1)} s` },
      // What a round costs beyond C: from the lease's start to its release (the Wait state waking,
      // TraceHttp with its T, ReleaseLease).
      { figure: 'lease held (start to release) p50 / p99', value: `${ms(held.p50)} / ${ms(held.p99)}` },
      { figure: 'first click to first lease', value: ms(firstLease - started) },
    ]);
  } finally {
    await stack.stop();
    await up.close();
  }
}

async function main(): Promise<boolean> {
  const steady = process.env.BENCH_ONLY === 'burst' ? true : await steadyState();
  const bursty = process.env.BENCH_ONLY === 'steady' ? true : await burst();
  return steady && bursty;
}

main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
