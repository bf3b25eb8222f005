/**
 * The status page rendered in the project's headless Chromium (in a child process, as the tracer
 * tests do): the strict CSP still lets its own style apply, nothing is fetched, and a PNG is
 * produced (kept in a temp dir for a human to look at).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { renderStatusPage } from '../../../lambdas/ops/status-page';

const run = promisify(execFile);
const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);

it('renders in headless Chromium with its style applied under the CSP, and screenshots to a PNG', async () => {
  const html = renderStatusPage({
    now: NOW,
    stage: 'test',
    pool: {
      at: NOW,
      total: 7,
      byState: { available: 3, leased: 2, cooldown: 1, unhealthy: 1, disabled: 0 },
      byCountry: {
        us: { available: 2, leased: 2, cooldown: 1, unhealthy: 0, disabled: 0, total: 5 },
        de: { available: 1, leased: 0, cooldown: 0, unhealthy: 1, disabled: 0, total: 2 },
      },
      healthy: 6,
      utilization: 2 / 6,
      expiredLeases: 0,
    },
    alerts: [
      {
        type: 'unhealthy_ips',
        severity: 'warning',
        message: '1 of 7 enabled IPs are unhealthy (14.3 %, threshold 5 %)',
        recommendation: 'Check the proxy provider; replace bad IPs, then run tracepool ips reset-health.',
        value: 14.3,
        threshold: 5,
        openedAt: new Date(NOW - 600_000).toISOString(),
        lastSeenAt: new Date(NOW).toISOString(),
      },
    ],
    traces: [
      {
        traceId: 'tr-1',
        offerId: 'demo',
        status: 'completed',
        statusAt: NOW - 5000,
        mode: 'http',
        outcome: 'resolved',
        finalUrl: 'https://shop.example/land?gclid=abc',
        hops: [
          { url: 'https://aff.example/click?o=demo&gclid=abc', status: 302, kind: 'start', ms: 40 },
          { url: 'https://track.example/r?id=9<script>', status: 200, kind: 'meta-refresh', ms: 55 },
          { url: 'https://shop.example/land?gclid=abc', status: 200, kind: 'http', ms: 80 },
        ],
        timings: { traceMs: 175 },
      },
      { traceId: 'tr-2', offerId: 'demo', status: 'failed', statusAt: NOW - 9000, error: { class: 'proxy', message: '407' } },
    ],
  });
  const dir = await mkdtemp(join(tmpdir(), 'tracepool-status-'));
  const htmlPath = join(dir, 'status.html');
  const pngPath = join(dir, 'status.png');
  await writeFile(htmlPath, html);

  const { stdout } = await run(process.execPath, ['--import', 'tsx', join(__dirname, '..', '..', 'support', 'status-screenshot-worker.ts'), htmlPath, pngPath], {
    cwd: join(__dirname, '..', '..', '..'),
    timeout: 90_000,
  });
  const result = JSON.parse(stdout.trim().split('\n').pop()!);
  expect(result).toMatchObject({ title: 'Tracepool status — test', bodyMaxWidth: '1100px', tables: 3, hops: 3, scripts: 0, cspErrors: [], requests: [] });
  expect(result.pngBytes).toBeGreaterThan(5_000);
  const png = await readFile(pngPath);
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
}, 120_000);
