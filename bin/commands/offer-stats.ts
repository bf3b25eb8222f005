/**
 * `tracepool offers stats <offerId>`: the offer's statistics by UTC hour (GET
 * /admin/offers/{offerId}/stats) as a table, and a totals line. A module of its own that adds the
 * subcommand to the `offers` command bin/commands/offers.ts builds.
 */
import type { Command } from 'commander';
import type { AdminClient } from './admin-client';
import { CliError, apiError, processIo, respond, table, withJson, type Io } from './output';

/** One hour's figures, or the totals, as the route answers them. */
export interface StatsFigures {
  readonly clicks: number;
  readonly traced: number;
  readonly skipped: { readonly bot: number; readonly budget: number; readonly duplicate: number; readonly paused: number };
  readonly completed: number;
  readonly failed: number;
  readonly failedByClass: Readonly<Record<string, number>>;
  readonly pending: number;
  readonly p50TraceMs: number | null;
  readonly p95TraceMs: number | null;
  readonly proxyBytes: number;
  readonly browserShare: number | null;
}

export interface OfferStatsView {
  readonly offerId: string;
  readonly from: string;
  readonly to: string;
  readonly hours: readonly (StatsFigures & { readonly hour: string })[];
  readonly totals: StatsFigures;
  readonly tracesRead: number;
  readonly capped: boolean;
  readonly skipsSince: string;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

const ms = (v: number | null) => (v === null ? '-' : String(v));
const share = (v: number | null) => (v === null ? '-' : `${Math.round(v * 100)}%`);
const classes = (byClass: Readonly<Record<string, number>>) =>
  Object.entries(byClass)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([cls, n]) => `${cls} ${n}`)
    .join(', ');

const HEAD = ['HOUR (UTC)', 'CLICKS', 'TRACED', 'BOT', 'BUDGET', 'DUP', 'PAUSED', 'OK', 'FAILED', 'P50 MS', 'P95 MS', 'PROXY', 'BROWSER', 'FAILURES'];

const row = (label: string, f: StatsFigures): string[] => [
  label,
  String(f.clicks),
  String(f.traced),
  String(f.skipped.bot),
  String(f.skipped.budget),
  String(f.skipped.duplicate),
  String(f.skipped.paused),
  String(f.completed),
  String(f.failed),
  ms(f.p50TraceMs),
  ms(f.p95TraceMs),
  formatBytes(f.proxyBytes),
  share(f.browserShare),
  classes(f.failedByClass),
];

/** The table by hour (hours with no click left out unless `allHours`), then the totals line. */
export function formatOfferStats(stats: OfferStatsView, allHours = false): string {
  const hours = stats.hours.filter((h) => allHours || h.clicks > 0);
  const rows = [...hours.map((h) => row(`${h.hour.slice(0, 10)} ${h.hour.slice(11)}:00`, h)), row('total', stats.totals)];
  // Numbers right-aligned; the failure classes, text of any width, follow as a last ragged column.
  const numbers = table(
    HEAD.slice(0, -1),
    rows.map((r) => r.slice(0, -1)),
    { rightFrom: 1 },
  );
  const width = Math.max(...numbers.map((l) => l.length));
  const out = numbers.map((l, i) => `${l.padEnd(width)}  ${i ? rows[i - 1]!.at(-1)! : HEAD.at(-1)!}`.trimEnd());
  const range = `offer ${stats.offerId}, ${stats.from.slice(0, 16).replace('T', ' ')} to ${stats.to.slice(0, 16).replace('T', ' ')} UTC`;
  const empty = hours.length ? [] : ['no clicks in the range'];
  const t = stats.totals;
  const summary =
    `total: ${t.clicks} clicks, ${t.traced} traced, ${t.completed} completed, ${t.failed} failed` +
    `${t.pending ? `, ${t.pending} pending` : ''}, p50 ${ms(t.p50TraceMs)} ms, p95 ${ms(t.p95TraceMs)} ms (trace time), ` +
    `${formatBytes(t.proxyBytes)} through proxies, browser ${share(t.browserShare)}`;
  return [range, '', ...empty, ...out, '', summary].join('\n');
}

/** Adds `stats` to the `offers` command (registered first by registerOffersCommands). */
export function registerOfferStatsCommand(program: Command, client: () => AdminClient, io: Io = processIo): void {
  const offers = program.commands.find((c) => c.name() === 'offers');
  if (!offers) throw new Error('the offers command must be registered before offers stats');
  withJson(
    offers
      .command('stats <offerId>')
      .description("the offer's clicks, skips, outcomes, trace times (p50/p95 of the tracer's own time), proxy bytes and browser share by UTC hour")
      .option('--from <time>', 'start: an ISO time, epoch ms, or a duration back from now (at most 7d)', '24h')
      .option('--to <time>', 'end (default now): an ISO time, epoch ms, or a duration back from now')
      .option('--all-hours', 'list the hours with no click too'),
  ).action((offerId: string, opts: { from: string; to?: string; allHours?: boolean; json?: boolean }) =>
    respond(io, opts, async (out) => {
      if (!offerId.trim()) throw new CliError('give an offer id');
      const query = new URLSearchParams({ from: opts.from });
      if (opts.to) query.set('to', opts.to);
      const res = await client().request<OfferStatsView>('GET', `/admin/offers/${encodeURIComponent(offerId)}/stats?${query.toString()}`);
      if (res.status >= 400) throw apiError(`offer ${offerId} stats`, res);
      out.result(res.body, (s) => formatOfferStats(s, opts.allHours === true));
      if (res.body.capped) out.note(`\nmore traces than were read (${res.body.tracesRead}): the oldest hours are incomplete; ask for a shorter range`);
      if (res.body.from < res.body.skipsSince) out.note(`\nskip counts are kept two days: hours before ${res.body.skipsSince.slice(0, 16).replace('T', ' ')} UTC show none`);
    }),
  );
}
