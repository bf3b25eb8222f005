/**
 * npm run bench:click (second part) — the click's p99 over HTTP on the running local stack while
 * the trace pipeline works a backlog, beside a bare Node server answering 302 measured in the
 * same run, request for request (the two alternate, so both see the same machine load).
 * Target: click p99 within 3× the bare server's. Every function runs in its own isolate, so the
 * pipeline's work shows in the click's latency only as shared CPU, as it would on one host.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { startLocalStack } from '../local/stack';
import { offerKey } from '../lambdas/offers/offer-item';
import { printTable, summarize, ms } from './stats';

const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 300);
const SAMPLES = Number(process.env.BENCH_BACKLOG_SAMPLES ?? 1500);
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** One GET, timed from request to the end of the response. */
function timedGet(url: string): Promise<{ ms: number; status: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent, headers: { 'user-agent': BROWSER } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ ms: performance.now() - t0, status: res.statusCode ?? 0 }));
      })
      .on('error', reject);
  });
}

async function main(): Promise<void> {
  const bare = http.createServer((_req, res) => {
    res.writeHead(302, { location: 'https://shop.example/landing?gclid=x' }).end();
  });
  await new Promise<void>((ok) => bare.listen(0, '127.0.0.1', () => ok()));
  const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/c/demo?gclid=x`;

  const stack = await startLocalStack({
    port: 0,
    proxyBasePort: 0,
    logLevel: 'SILENT',
    schedules: false,
    proxyCount: 3,
    // A short cooldown keeps the pool busy for the whole measurement.
    env: { LEASE_COOLDOWN_MS: '200' },
  });
  try {
    await stack.warmed;
    // The demo offer's trace budget above the backlog, so every click of it becomes a trace to work on.
    await stack.doc.send(
      new UpdateCommand({
        TableName: stack.tables.Catalog,
        Key: offerKey(stack.demoOfferId),
        UpdateExpression: 'SET tracePolicy.maxTracesPerMinute = :n',
        ExpressionAttributeValues: { ':n': 6000 },
      }),
    );
    const click = (i: number) => `${stack.url}/c/${stack.demoOfferId}?gclid=bench-${i}&utm_source=google`;
    // The backlog: clicks that each queue a trace.
    await Promise.all(Array.from({ length: BACKLOG }, (_, i) => timedGet(click(i))));
    const running = () => [...(stack.stepFunctions?.executions.values() ?? [])].filter((e) => e.status === 'RUNNING').length;
    const atStart = running();

    const clickMs: number[] = [];
    const bareMs: number[] = [];
    let non302 = 0;
    for (let i = 0; i < SAMPLES; i++) {
      const c = await timedGet(click(BACKLOG + i));
      if (c.status !== 302) non302++;
      clickMs.push(c.ms);
      bareMs.push((await timedGet(bareUrl)).ms);
    }
    const atEnd = running();
    const completed = [...(stack.stepFunctions?.executions.values() ?? [])].filter((e) => e.status === 'SUCCEEDED').length;
    const c = summarize(clickMs);
    const b = summarize(bareMs);
    const ok = printTable(
      `click over HTTP on the local stack, pipeline working a backlog of ${BACKLOG} (running executions: ${atStart} at start, ${atEnd} at end; ${completed} succeeded)`,
      [
        { figure: 'click p50 / p99', value: `${ms(c.p50)} / ${ms(c.p99)}`, target: `${SAMPLES} clicks` },
        { figure: 'bare Node 302 p50 / p99 (reference)', value: `${ms(b.p50)} / ${ms(b.p99)}` },
        { figure: 'click p99 ÷ bare p99', value: (c.p99 / b.p99).toFixed(2), target: '≤ 3', pass: c.p99 / b.p99 <= 3 },
        { figure: 'answers other than 302', value: String(non302), target: '0', pass: non302 === 0 },
      ],
    );
    process.exitCode = ok ? 0 : 1;
  } finally {
    agent.destroy();
    await stack.stop();
    bare.close();
  }
}

void main();
