/**
 * GET /admin/status: a small read-only HTML page for people who would rather look than read
 * JSON — the pool by country and state, recent traces with their redirect chains, open alerts.
 *
 * No external assets and no script. Every value from the data is escaped. The one inline style
 * block is allowed by its SHA-256 hash in a strict Content-Security-Policy (meta tag here, and the
 * same policy plus frame-ancestors as a response header in the handler).
 */
import { createHash } from 'node:crypto';
import { escapeHtml } from '../shared/http';
import type { PoolStats } from '../lease/pool-admin';
import { IP_STATES } from '../lease/ip-item';
import type { TraceRecord } from '../traces/trace-record';
import type { OpenAlert } from './alerts';
import type { Health } from './thresholds';

export type StatusTrace = Pick<TraceRecord, 'traceId' | 'offerId' | 'status' | 'statusAt'> &
  Partial<Pick<TraceRecord, 'mode' | 'outcome' | 'finalUrl' | 'hops' | 'error' | 'timings' | 'country'>>;

export interface StatusPageModel {
  readonly now: number;
  readonly stage?: string;
  /** undefined: the pool could not be read. */
  readonly pool?: PoolStats;
  readonly traces?: readonly StatusTrace[];
  readonly alerts?: readonly OpenAlert[];
}

const MAX_HOPS = 20;
const MAX_URL = 160;

const STYLE = [
  ':root{color-scheme:light;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2330;background:#f5f6f8}',
  'body{margin:0 auto;max-width:1100px;padding:24px}',
  'h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}',
  '.meta{color:#5b6475;margin:0 0 16px}',
  '.badge{display:inline-block;padding:2px 10px;border-radius:12px;font-weight:600;font-size:13px}',
  '.healthy{background:#d9f2e3;color:#17633a}.degraded,.warning{background:#fff1cc;color:#7a5300}.critical{background:#fddcdc;color:#8f1d1d}',
  'table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #dde1e8}',
  'th,td{padding:6px 10px;border-bottom:1px solid #eceff3;text-align:left;vertical-align:top}',
  'th{background:#eef1f5;font-weight:600}.n{text-align:right;font-variant-numeric:tabular-nums}',
  'ol.chain{margin:0;padding-left:18px}ol.chain li{word-break:break-all}',
  '.kind{color:#5b6475;font-size:12px}.empty{color:#5b6475;font-style:italic}',
  'code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}',
].join('');

const STYLE_HASH = createHash('sha256').update(STYLE, 'utf8').digest('base64');

/** The page's policy: nothing loads, nothing runs; only the page's own style block applies. */
export const STATUS_PAGE_CSP = `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; img-src 'none'; base-uri 'none'; form-action 'none'`;

const e = (value: unknown): string => escapeHtml(String(value ?? ''));
const iso = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
const clip = (s: string, n = MAX_URL) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** What the open alerts say about health (as of the last health check). */
export function healthFromAlerts(alerts: readonly OpenAlert[]): Health {
  return alerts.some((a) => a.severity === 'critical') ? 'critical' : alerts.length ? 'degraded' : 'healthy';
}

function poolSection(pool: PoolStats | undefined): string {
  if (!pool) return '<p class="empty">The pool could not be read.</p>';
  const head = `<tr><th>Country</th>${IP_STATES.map((s) => `<th>${e(s)}</th>`).join('')}<th>Total</th></tr>`;
  const rows = Object.entries(pool.byCountry)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([country, c]) => `<tr><td>${e(country.toUpperCase())}</td>${IP_STATES.map((s) => `<td class="n">${e(c[s])}</td>`).join('')}<td class="n">${e(c.total)}</td></tr>`);
  const total = `<tr><th>All</th>${IP_STATES.map((s) => `<th class="n">${e(pool.byState[s])}</th>`).join('')}<th class="n">${e(pool.total)}</th></tr>`;
  const summary = `<p class="meta">${e(pool.healthy)} healthy IPs, utilization ${e((Math.round(pool.utilization * 1000) / 10).toFixed(1))} %, ${e(pool.expiredLeases)} expired lease(s).</p>`;
  return pool.total ? `${summary}<table>${head}${rows.join('')}${total}</table>` : '<p class="empty">The pool is empty.</p>';
}

function alertsSection(alerts: readonly OpenAlert[] | undefined): string {
  if (!alerts) return '<p class="empty">Alerts could not be read.</p>';
  if (!alerts.length) return '<p class="empty">No open alerts.</p>';
  const rows = alerts.map(
    (a) =>
      `<tr><td><span class="badge ${a.severity === 'critical' ? 'critical' : 'warning'}">${e(a.severity)}</span></td><td><code>${e(a.type)}</code></td>` +
      `<td>${e(a.message)}<br><span class="kind">${e(a.recommendation)}</span></td><td>${e(iso(Date.parse(a.openedAt)))}</td></tr>`,
  );
  return `<table><tr><th>Severity</th><th>Type</th><th>What and what to do</th><th>Open since</th></tr>${rows.join('')}</table>`;
}

function chain(t: StatusTrace): string {
  const hops = t.hops ?? [];
  if (!hops.length) return t.finalUrl ? `<code>${e(clip(t.finalUrl))}</code>` : '<span class="empty">no hops</span>';
  const items = hops
    .slice(0, MAX_HOPS)
    .map((h) => `<li><code>${e(clip(h.url))}</code> <span class="kind">${e(h.status || '—')} ${e(h.kind)} ${e(Math.round(h.ms))} ms</span></li>`);
  const more = hops.length > MAX_HOPS ? `<li class="kind">… ${e(hops.length - MAX_HOPS)} more</li>` : '';
  return `<ol class="chain">${items.join('')}${more}</ol>`;
}

function tracesSection(traces: readonly StatusTrace[] | undefined): string {
  if (!traces) return '<p class="empty">Recent traces could not be read.</p>';
  if (!traces.length) return '<p class="empty">No finished traces in the last hour.</p>';
  const rows = traces.map((t) => {
    const result = t.status === 'completed' ? `${t.outcome ?? 'completed'}` : `${t.status}${t.error ? ` (${t.error.class})` : ''}`;
    return (
      `<tr><td>${e(iso(t.statusAt))}<br><code>${e(t.traceId)}</code></td><td><code>${e(t.offerId)}</code>${t.country ? ` ${e(t.country.toUpperCase())}` : ''}</td>` +
      `<td>${e(result)}<br><span class="kind">${e(t.mode ?? '')}${typeof t.timings?.traceMs === 'number' ? ` ${e(Math.round(t.timings.traceMs))} ms` : ''}</span></td><td>${chain(t)}</td></tr>`
    );
  });
  return `<table><tr><th>Finished</th><th>Offer</th><th>Result</th><th>Chain</th></tr>${rows.join('')}</table>`;
}

export function renderStatusPage(model: StatusPageModel): string {
  const health = model.alerts ? healthFromAlerts(model.alerts) : undefined;
  const title = `Tracepool status${model.stage ? ` — ${model.stage}` : ''}`;
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${e(STATUS_PAGE_CSP)}">`,
    '<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex">',
    `<title>${e(title)}</title><style>${STYLE}</style></head><body>`,
    `<h1>${e(title)}</h1>`,
    `<p class="meta">${health ? `<span class="badge ${health}">${e(health)}</span> ` : ''}Generated ${e(iso(model.now))}. Read-only; refresh to update.</p>`,
    `<h2>Open alerts</h2>${alertsSection(model.alerts)}`,
    `<h2>IP pool by country and state</h2>${poolSection(model.pool)}`,
    `<h2>Recent traces</h2>${tracesSection(model.traces)}`,
    '</body></html>',
  ].join('');
}
