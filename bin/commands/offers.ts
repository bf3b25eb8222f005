/**
 * `tracepool offers …`: put and get one offer; the list with each offer's current resolution and
 * 24-hour success rate; soft delete and restore; pause and resume tracing; trace now (and wait
 * for the trace's hop chain); the current resolution and the resolution history. Every command
 * takes --json.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { AdminClient } from './admin-client';
import { positiveInteger } from './arguments';
import { CliError, EXIT, apiError, processIo, respond, table, withJson, type ExitCode, type Io, type Output } from './output';

/** An offer as the list answers it: the offer, its resolution and its last 24 hours. */
export interface ListedOffer {
  readonly offerId: string;
  readonly redirectUrl: string;
  readonly tracePolicy?: { readonly enabled?: boolean };
  readonly pausedAt?: number;
  readonly deletedAt?: number;
  readonly resolution: { readonly traceId: string; readonly finalUrl: string; readonly mode?: string; readonly at: number } | null;
  readonly last24h: { readonly completed: number; readonly finished: number; readonly rate: number | null; readonly capped?: boolean };
}

interface OfferPage {
  readonly offers: ListedOffer[];
  readonly count: number;
  readonly nextCursor?: string;
}

/** The trace record fields `offers trace --wait` prints. */
interface TraceView {
  readonly traceId: string;
  readonly offerId: string;
  readonly status: string;
  readonly mode?: string;
  readonly finalUrl?: string;
  readonly hops?: readonly { readonly url: string; readonly kind: string; readonly status: number; readonly ms: number }[];
  readonly error?: { readonly class: string; readonly message: string };
  readonly timings?: { readonly totalMs?: number; readonly traceMs?: number };
}

/** `GET /admin/offers/{id}/resolution`. */
export interface ResolutionView {
  readonly offerId: string;
  readonly resolution: {
    readonly finalUrl: string;
    readonly params: Readonly<Record<string, string>>;
    readonly mode?: string;
    readonly lastTracedAt: number;
    readonly traceId: string;
    readonly source: 'traces' | 'history';
  } | null;
  readonly last24h: ListedOffer['last24h'];
}

/** One entry of `GET /admin/offers/{id}/history`. */
export interface HistoryEntryView {
  readonly landing: string;
  readonly paramNames: readonly string[];
  readonly changed: Readonly<Record<string, { readonly from?: string; readonly to?: string }>>;
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly count: number;
  readonly lastTraceId: string;
  readonly mode?: string;
}

interface HistoryPageView {
  readonly entries: HistoryEntryView[];
  readonly nextCursor?: string;
}

/** Statuses a trace does not leave on its own: `--wait` stops there. */
const FINAL = new Set(['completed', 'failed', 'dead_lettered', 'timeout']);
/** Pages `--all-pages` follows at most: a cursor that never ends must not loop forever. */
const MAX_PAGES = 1000;

const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const utc = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
const offerPath = (offerId: string, rest = '') => `/admin/offers/${encodeURIComponent(offerId)}${rest}`;

const tracingOf = (o: ListedOffer) => (o.deletedAt !== undefined ? 'deleted' : o.pausedAt !== undefined ? 'paused' : o.tracePolicy?.enabled === false ? 'disabled' : 'on');

function rateOf(o: ListedOffer): string {
  const { completed, finished, rate, capped } = o.last24h;
  if (rate === null) return '-';
  return `${Math.round(rate * 100)}% (${completed}/${finished}${capped ? '+' : ''})`;
}

export function formatOfferTable(offers: readonly ListedOffer[]): string {
  if (!offers.length) return 'no offers';
  const head = ['OFFER', 'TRACING', '24H OK', 'RESOLVED (UTC)', 'MODE', 'LANDING URL'];
  const rows = offers.map((o) => [
    o.offerId,
    tracingOf(o),
    rateOf(o),
    o.resolution ? utc(o.resolution.at) : '-',
    o.resolution?.mode ?? '',
    cut(o.resolution?.finalUrl ?? '', 80),
  ]);
  return table(head, rows).join('\n');
}

export function formatResolution(view: ResolutionView): string {
  const rate = rateOf({ last24h: view.last24h } as ListedOffer);
  const r = view.resolution;
  if (!r) return `offer ${view.offerId}: no resolution recorded\n  24h success: ${rate}`;
  const params = Object.entries(r.params).map(([k, v]) => `    ${k}=${v}`);
  return [
    `offer ${view.offerId} resolves to:`,
    `  landing:      ${r.finalUrl}`,
    `  mode:         ${r.mode ?? '-'}`,
    `  last traced:  ${utc(r.lastTracedAt)} UTC (trace ${r.traceId}${r.source === 'history' ? ', from the history: the trace itself has expired' : ''})`,
    `  24h success:  ${rate}`,
    ...(params.length ? ['  parameters:', ...params] : ['  parameters:   none']),
  ].join('\n');
}

const changedText = (changed: HistoryEntryView['changed']) =>
  Object.entries(changed)
    .map(([name, c]) => `${name}: ${c.from ?? '∅'}→${c.to ?? '∅'}`)
    .join(', ');

/** Newest first: when, how often, the landing without volatile parameters, what changed. */
export function formatHistoryTable(entries: readonly HistoryEntryView[]): string {
  if (!entries.length) return 'no resolution history';
  const head = ['FIRST SEEN (UTC)', 'LAST SEEN (UTC)', 'COUNT', 'LANDING', 'CHANGED'];
  const rows = entries.map((e) => [utc(e.firstSeen), utc(e.lastSeen), String(e.count), cut(e.landing, 80), cut(changedText(e.changed), 60) || '-']);
  return table(head, rows).join('\n');
}

/** The hop chain, one line per hop (index, kind, status, time, URL), then the landing URL. */
export function formatTraceChain(trace: TraceView): string {
  const lines = (trace.hops ?? []).map(
    (h, i) => `${String(i).padStart(2)}  ${h.kind.padEnd(14)} ${String(h.status || '-').padStart(3)}  ${`${h.ms} ms`.padStart(8)}  ${h.url}`,
  );
  if (lines.length) lines.push('');
  const took = trace.timings?.totalMs !== undefined ? ` in ${trace.timings.totalMs} ms` : '';
  lines.push(`trace ${trace.traceId}: ${trace.status}${took}${trace.mode ? ` (${trace.mode} mode)` : ''}`);
  if (trace.finalUrl) lines.push(`landing: ${trace.finalUrl}`);
  if (trace.error) lines.push(`error (${trace.error.class}): ${trace.error.message}`);
  return lines.join('\n');
}

const country = (value: string): string => {
  if (!/^[A-Za-z]{2}$/.test(value)) throw new InvalidArgumentError('expected a two-letter country code');
  return value.toLowerCase();
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const STATE_COMMANDS: readonly { name: string; method: 'DELETE' | 'POST'; suffix: string; done: (offerId: string) => string; description: string }[] = [
  {
    name: 'delete',
    method: 'DELETE',
    suffix: '',
    done: (id) => `offer ${id} deleted: its clicks are answered as for an unknown offer (undo: tracepool offers restore ${id})`,
    description: 'soft delete: its clicks are answered as for an unknown offer; kept, and restorable',
  },
  { name: 'restore', method: 'POST', suffix: '/restore', done: (id) => `offer ${id} restored`, description: 'bring a deleted offer back as it was' },
  {
    name: 'pause',
    method: 'POST',
    suffix: '/pause',
    done: (id) => `offer ${id} paused: clicks still redirect, none is traced`,
    description: 'pause tracing: clicks still redirect but queue no trace (each skip is counted)',
  },
  { name: 'resume', method: 'POST', suffix: '/resume', done: (id) => `offer ${id} resumed: clicks are traced again`, description: 'resume tracing a paused offer' },
];

export function registerOffersCommands(program: Command, client: () => AdminClient, io: Io = processIo): void {
  const offers = program.command('offers').description('manage offers (the redirect and tracking URLs behind /c/{offerId})');

  withJson(offers.command('put <file>').description('create or replace an offer from a JSON file (the offer id is "offerId" in the file, or the file name)')).action(
    (file: string, opts: { json?: boolean }) =>
      respond(io, opts, async (out) => {
        let input: Record<string, unknown>;
        try {
          input = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
        } catch (error) {
          throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
        }
        const offerId = String(input.offerId ?? path.basename(file).replace(/\.json$/i, ''));
        const { offerId: _ignored, ...body } = input;
        const api = client();
        const res = await api.request<Record<string, unknown>>('PUT', offerPath(offerId), body);
        if (res.status >= 400) throw apiError(`offer ${offerId} rejected`, res);
        const result = {
          offerId,
          status: res.status === 201 ? 'created' : 'updated',
          clickUrl: `${api.baseUrl.replace(/\/$/, '')}/c/${encodeURIComponent(offerId)}`,
          offer: res.body,
        };
        out.result(result, (r) => `offer ${r.offerId} ${r.status}\n  click URL: ${r.clickUrl}`);
      }),
  );

  withJson(offers.command('get <offerId>').description('show an offer (JSON either way)')).action((offerId: string, opts: { json?: boolean }) =>
    respond(io, opts, async (out) => {
      const res = await client().request('GET', offerPath(offerId));
      if (res.status >= 400) throw apiError(`offer ${offerId}`, res);
      out.result(res.body, (body) => JSON.stringify(body, null, 2));
    }),
  );

  withJson(
    offers
      .command('list')
      .description("list offers with each one's current landing URL and 24-hour trace success rate")
      .option('--q <text>', 'only offers whose id or redirect host contains this')
      .option('--limit <n>', 'offers per page (1-100)', positiveInteger('--limit', 100), 25)
      .option('--cursor <cursor>', 'start at this page (the nextCursor of the previous one)')
      .option('--all-pages', 'follow every page to the end')
      .option('--deleted', 'include soft-deleted offers'),
  ).action((opts: { q?: string; limit: number; cursor?: string; allPages?: boolean; deleted?: boolean; json?: boolean }) =>
    respond(io, opts, async (out) => {
      const api = client();
      const all: ListedOffer[] = [];
      let cursor = opts.cursor;
      let next: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const query = new URLSearchParams({ limit: String(opts.limit) });
        if (opts.q) query.set('q', opts.q);
        if (opts.deleted) query.set('deleted', 'true');
        if (cursor) query.set('cursor', cursor);
        const res = await api.request<OfferPage>('GET', `/admin/offers?${query.toString()}`);
        if (res.status >= 400) throw apiError('offers', res);
        all.push(...res.body.offers);
        next = res.body.nextCursor;
        if (!opts.allPages || !next) break;
        cursor = next;
      }
      const result = { offers: all, count: all.length, ...(next ? { nextCursor: next } : {}) };
      out.result(result, (r) => formatOfferTable(r.offers));
      if (next) out.note(`\nmore offers: --cursor ${next} (or --all-pages)`);
    }),
  );

  withJson(
    offers.command('resolution <offerId>').description('show what the offer resolves to now: landing URL, parameters, mode, last traced, 24-hour success rate'),
  ).action((offerId: string, opts: { json?: boolean }) =>
    respond(io, opts, async (out) => {
      const res = await client().request<ResolutionView>('GET', offerPath(offerId, '/resolution'));
      if (res.status >= 400) throw apiError(`offer ${offerId}`, res);
      out.result(res.body, formatResolution);
    }),
  );

  withJson(
    offers
      .command('history <offerId>')
      .description('the distinct landings the offer resolved to (kept 400 days), newest first, with the parameters that changed')
      .option('--limit <n>', 'entries per page (1-100)', positiveInteger('--limit', 100), 20)
      .option('--cursor <cursor>', 'start at this page (the nextCursor of the previous one)')
      .option('--all-pages', 'follow every page to the end'),
  ).action((offerId: string, opts: { limit: number; cursor?: string; allPages?: boolean; json?: boolean }) =>
    respond(io, opts, async (out) => {
      const api = client();
      const all: HistoryEntryView[] = [];
      let cursor = opts.cursor;
      let next: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const query = new URLSearchParams({ limit: String(opts.limit) });
        if (cursor) query.set('cursor', cursor);
        const res = await api.request<HistoryPageView>('GET', `${offerPath(offerId, '/history')}?${query.toString()}`);
        if (res.status >= 400) throw apiError(`offer ${offerId}`, res);
        all.push(...res.body.entries);
        next = res.body.nextCursor;
        if (!opts.allPages || !next) break;
        cursor = next;
      }
      const result = { offerId, entries: all, count: all.length, ...(next ? { nextCursor: next } : {}) };
      out.result(result, (r) => formatHistoryTable(r.entries));
      if (next) out.note(`\nmore entries: --cursor ${next} (or --all-pages)`);
    }),
  );

  for (const command of STATE_COMMANDS) {
    withJson(offers.command(`${command.name} <offerId>`).description(command.description)).action((offerId: string, opts: { json?: boolean }) =>
      respond(io, opts, async (out) => {
        const res = await client().request(command.method, offerPath(offerId, command.suffix));
        if (res.status >= 400) throw apiError(`offer ${offerId}`, res);
        out.result(res.body, () => command.done(offerId));
      }),
    );
  }

  withJson(
    offers
      .command('trace <offerId>')
      .description("trace the offer now (through the real pipeline), as a click from the offer's country and device unless given")
      .option('--country <cc>', 'trace from this country (two letters)', country)
      .addOption(new Option('--device <device>', 'device profile').choices(['desktop', 'mobile']))
      .option('--wait', 'wait for the trace to finish and print its hop chain (exit 1 if it failed)')
      .option('--timeout <seconds>', 'how long --wait waits', positiveInteger('--timeout', 3600), 180)
      .addOption(new Option('--poll-ms <ms>', 'how often --wait asks').argParser(positiveInteger('--poll-ms', 60_000)).default(1000).hideHelp()),
  ).action((offerId: string, opts: { country?: string; device?: string; wait?: boolean; timeout: number; pollMs: number; json?: boolean }) =>
    respond(io, opts, async (out) => {
      const api = client();
      const body = { ...(opts.country ? { country: opts.country } : {}), ...(opts.device ? { device: opts.device } : {}) };
      const res = await api.request<{ traceId: string; handOff?: string }>('POST', offerPath(offerId, '/trace'), body);
      if (res.status >= 400) throw apiError(`offer ${offerId}`, res);
      const { traceId } = res.body;
      if (!opts.wait) {
        out.result(res.body, () => `trace ${traceId} queued for offer ${offerId}\n  follow it: tracepool traces get ${traceId}`);
        return;
      }
      out.note(`trace ${traceId} queued for offer ${offerId}; waiting for it…`);
      return waitForTrace(api, out, traceId, opts.timeout * 1000, opts.pollMs);
    }),
  );
}

/** Polls the trace until it is final: prints its chain; exit 1 unless it completed, 2 on a timeout. */
async function waitForTrace(api: AdminClient, out: Output, traceId: string, timeoutMs: number, pollMs: number): Promise<ExitCode> {
  const deadline = Date.now() + timeoutMs;
  let last: TraceView | undefined;
  for (;;) {
    const res = await api.request<TraceView>('GET', `/admin/traces/${encodeURIComponent(traceId)}`);
    // 404: the starter has not written the record yet.
    if (res.status >= 400 && res.status !== 404) throw apiError(`trace ${traceId}`, res);
    if (res.status === 200) {
      last = res.body;
      if (FINAL.has(last.status)) {
        out.result(last, formatTraceChain);
        return last.status === 'completed' ? EXIT.ok : EXIT.rejected;
      }
    }
    if (Date.now() + pollMs > deadline) {
      throw new CliError(
        `trace ${traceId} not final after ${Math.round(timeoutMs / 1000)} s (${last ? `status ${last.status}` : 'not started'}): tracepool traces get ${traceId}`,
        EXIT.unreachable,
      );
    }
    await sleep(pollMs);
  }
}
