import { createHash } from 'node:crypto';
import { healthFromAlerts, renderStatusPage, STATUS_PAGE_CSP } from '../../../lambdas/ops/status-page';
import type { OpenAlert } from '../../../lambdas/ops/alerts';
import type { PoolStats } from '../../../lambdas/lease/pool-admin';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const evil = `<script>alert("x")</script>'&`;
const pool: PoolStats = {
  at: NOW,
  total: 3,
  byState: { available: 1, leased: 1, cooldown: 0, unhealthy: 1, disabled: 0 },
  byCountry: { us: { available: 1, leased: 1, cooldown: 0, unhealthy: 1, disabled: 0, total: 3 } },
  healthy: 2,
  utilization: 0.5,
  expiredLeases: 0,
};
const alert: OpenAlert = {
  type: 'unhealthy_ips',
  severity: 'critical',
  message: `1 of 3 unhealthy ${evil}`,
  recommendation: 'Replace them',
  value: 33.3,
  threshold: 5,
  openedAt: new Date(NOW - 60_000).toISOString(),
  lastSeenAt: new Date(NOW).toISOString(),
};

describe('status page', () => {
  const page = renderStatusPage({
    now: NOW,
    stage: 'prod',
    pool,
    alerts: [alert],
    traces: [
      {
        traceId: 'tr-1',
        offerId: `offer${evil}`,
        status: 'completed',
        statusAt: NOW - 1000,
        mode: 'http',
        outcome: 'resolved',
        finalUrl: 'https://shop.example/land',
        hops: [
          { url: `https://aff.example/c?x="><img src=x onerror=alert(1)>`, status: 302, kind: 'start', ms: 12 },
          { url: 'https://shop.example/land', status: 200, kind: 'http', ms: 40 },
        ],
        timings: { traceMs: 52 },
      },
    ],
  });

  it('escapes every value from the data', () => {
    expect(page).not.toContain('<script>');
    expect(page).not.toContain('<img');
    expect(page).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;&#39;&#38;');
    expect(page).toContain('&#60;img src=x onerror=alert(1)&#62;');
  });

  it('shows the pool by country and state, the chain and the open alerts', () => {
    expect(page).toContain('<td>US</td>');
    expect(page).toMatch(/utilization 50\.0 %/);
    expect(page).toContain('<ol class="chain">');
    expect(page).toContain('302 start 12 ms');
    expect(page).toContain('unhealthy_ips');
    expect(page).toContain('badge critical');
  });

  it('has a strict CSP whose style hash matches the one inline style block, and loads nothing', () => {
    expect(page).toContain(`<meta http-equiv="Content-Security-Policy" content="${STATUS_PAGE_CSP.replace(/'/g, '&#39;')}">`);
    expect(STATUS_PAGE_CSP).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; img-src 'none'; base-uri 'none'; form-action 'none'$/);
    const styles = [...page.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]!);
    expect(styles).toHaveLength(1);
    const hash = createHash('sha256').update(styles[0]!, 'utf8').digest('base64');
    expect(STATUS_PAGE_CSP).toContain(`'sha256-${hash}'`);
    // No element that loads or runs anything, no attribute that could (escaped text may say "src=").
    expect(page).not.toMatch(/<(script|link|img|iframe|object)\b|\s(src|href|style|on\w+)=["']/i);
  });

  it('says so when a section could not be read, and when there is nothing', () => {
    const empty = renderStatusPage({ now: NOW });
    expect(empty).toContain('The pool could not be read.');
    expect(empty).toContain('Alerts could not be read.');
    const quiet = renderStatusPage({ now: NOW, pool: { ...pool, total: 0, byCountry: {} }, traces: [], alerts: [] });
    expect(quiet).toContain('No open alerts.');
    expect(quiet).toContain('The pool is empty.');
    expect(quiet).toContain('badge healthy');
  });

  it('health follows the open alerts', () => {
    expect(healthFromAlerts([])).toBe('healthy');
    expect(healthFromAlerts([{ ...alert, severity: 'warning' }])).toBe('degraded');
    expect(healthFromAlerts([{ ...alert, severity: 'warning' }, alert])).toBe('critical');
  });
});
