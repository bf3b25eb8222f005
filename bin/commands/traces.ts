/**
 * `tracepool traces list [--offer] [--status] [--limit] [--json]` and `tracepool traces get <traceId>`:
 * the trace records, newest first. When the list is short because clicks were skipped as bots,
 * the API's hint is printed under the table (to stderr, so piped output stays the table).
 * `tracepool traces show <traceId>`: one trace for a reader, its hop chain as a tree.
 * `tracepool traces requeue (--ids | --offer --status | --all --status) [--since]`: failed traces
 * back into the pipeline, page by page (the API handles a bounded page per call).
 */
import { Option, type Command } from 'commander';
import type { AdminClient } from './admin-client';
import { positiveInteger } from './arguments';
import { apiError, CliError, EXIT, processIo, respond, table, toCliError, withJson, type Io, type Output } from './output';
import { REQUEUEABLE_STATUSES, TRACE_STATUSES } from '../../lambdas/traces/trace-record';
import type { Hop } from '../../lambdas/tracer/types';
import { PAGE_SIZE } from '../../lambdas/admin/trace-requeue';

export interface TraceRow {
  readonly traceId: string;
  readonly offerId: string;
  readonly status: string;
  readonly attempts?: number;
  readonly mode?: string;
  readonly createdAt: number;
  readonly finalUrl?: string;
  readonly error?: { readonly class: string; readonly message: string };
}

export interface TraceList {
  readonly traces: TraceRow[];
  readonly count: number;
  readonly botSkipped?: { readonly count: number; readonly since: string };
  readonly hint?: string;
}

const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function formatTraceTable(traces: readonly TraceRow[]): string {
  if (!traces.length) return 'no traces';
  const head = ['TRACE ID', 'OFFER', 'STATUS', 'TRIES', 'MODE', 'CLICKED (UTC)', 'FINAL URL / ERROR'];
  const rows = traces.map((t) => [
    t.traceId,
    t.offerId,
    t.status,
    String(t.attempts ?? 0),
    t.mode ?? '',
    new Date(t.createdAt).toISOString().slice(0, 19).replace('T', ' '),
    cut(t.finalUrl ?? (t.error ? `${t.error.class}: ${t.error.message}` : ''), 80),
  ]);
  return table(head, rows).join('\n');
}

/** A trace as `traces show` reads it (GET /admin/traces/{traceId}). */
export interface TraceDetail extends TraceRow {
  readonly outcome?: string;
  readonly hops?: readonly Hop[];
  readonly requeues?: number;
  readonly timings?: { readonly totalMs?: number; readonly traceMs?: number; readonly leaseWaitMs?: number; readonly queueWaitMs?: number };
}

/** The trace for a reader: status, mode, failure, landing URL, and the chain, each hop under the one that led to it. */
export function formatTraceDetail(t: TraceDetail): string {
  const lines = [
    `trace    ${t.traceId}`,
    `offer    ${t.offerId}`,
    `status   ${t.status}${t.attempts !== undefined ? ` (attempts ${t.attempts}${t.requeues ? `, requeued ${t.requeues}×` : ''})` : ''}`,
    `mode     ${t.mode ?? '-'}${t.outcome ? ` (outcome ${t.outcome})` : ''}`,
    `failure  ${t.error ? `${t.error.class}: ${t.error.message}` : '-'}`,
    `landing  ${t.finalUrl ?? '-'}`,
  ];
  if (t.timings?.totalMs !== undefined)
    lines.push(`timing   ${t.timings.totalMs} ms from click to result${t.timings.traceMs !== undefined ? ` (tracing ${t.timings.traceMs} ms)` : ''}`);
  const hops = t.hops ?? [];
  lines.push(hops.length ? `hops (${hops.length})` : 'hops     none recorded');
  hops.forEach((hop, i) => {
    const indent = i === 0 ? '' : `${'   '.repeat(i - 1)}└─ `;
    lines.push(`${indent}${hop.url}  [${hop.kind}, ${hop.status || '-'}, ${hop.ms} ms]`);
  });
  return lines.join('\n');
}

export interface RequeueTotals {
  processed: number;
  requeued: number;
  skipped: number;
  failed: number;
}

interface RequeueOptions {
  ids?: string;
  offer?: string;
  all?: boolean;
  status?: string;
  since?: string;
  json?: boolean;
}

/** The bodies to POST: the ids in pages, or one selection continued by the API's cursor. */
function requeueSelection(opts: RequeueOptions): { ids: string[][] } | { body: Record<string, unknown> } {
  const forms = [opts.ids !== undefined && '--ids', opts.offer !== undefined && '--offer', opts.all && '--all'].filter(Boolean);
  if (forms.length !== 1) throw new CliError('give exactly one of --ids, --offer or --all');
  if (opts.ids !== undefined) {
    if (opts.status !== undefined || opts.since !== undefined) throw new CliError('--status and --since select with --offer or --all, not with --ids');
    const ids = [...new Set(opts.ids.split(',').map((id) => id.trim()))].filter(Boolean);
    if (!ids.length) throw new CliError('--ids needs at least one trace id');
    const pages: string[][] = [];
    for (let i = 0; i < ids.length; i += PAGE_SIZE) pages.push(ids.slice(i, i + PAGE_SIZE));
    return { ids: pages };
  }
  if (opts.status === undefined) throw new CliError(`${forms[0]} needs --status (${REQUEUEABLE_STATUSES.join(', ')})`);
  const selection = opts.offer !== undefined ? { offerId: opts.offer } : { all: true };
  return { body: { ...selection, status: opts.status, ...(opts.since !== undefined ? { since: opts.since } : {}) } };
}

const BAR_WIDTH = 24;

function progressText(totals: RequeueTotals, total: number | undefined): string {
  const counts = `${totals.processed} processed: ${totals.requeued} requeued, ${totals.skipped} skipped, ${totals.failed} failed`;
  if (total === undefined) return `requeue ${counts}`;
  const filled = Math.round((BAR_WIDTH * Math.min(totals.processed, total)) / total);
  return `requeue [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${totals.processed}/${total} · ${counts}`;
}

export const formatRequeueSummary = (t: RequeueTotals): string => `processed ${t.processed}  requeued ${t.requeued}  skipped ${t.skipped}  failed ${t.failed}`;

/** Calls the API page after page, with progress; the totals, or an error that says how far it got. */
async function requeuePages(client: AdminClient, out: Output, opts: RequeueOptions): Promise<RequeueTotals> {
  const selection = requeueSelection(opts);
  const totals: RequeueTotals = { processed: 0, requeued: 0, skipped: 0, failed: 0 };
  const total = 'ids' in selection ? selection.ids.reduce((n, page) => n + page.length, 0) : undefined;
  // A failure after some pages says what was done before it: rerunning is safe (requeued ones are skipped).
  const sofar = (error: unknown) => {
    const cli = toCliError(error);
    return totals.processed ? new CliError(`${cli.message} (after ${formatRequeueSummary(totals)})`, cli.exitCode, cli.details) : cli;
  };
  const post = async (body: Record<string, unknown>) => {
    const res = await client.request<Partial<RequeueTotals> & { cursor?: string }>('POST', '/admin/traces/requeue', body).catch((error: unknown) => {
      throw sofar(error);
    });
    if (res.status >= 400) throw sofar(apiError('requeue', res));
    for (const key of ['processed', 'requeued', 'skipped', 'failed'] as const) totals[key] += res.body[key] ?? 0;
    out.progress(progressText(totals, total));
    return res.body.cursor;
  };
  try {
    if ('ids' in selection) {
      for (const traceIds of selection.ids) await post({ traceIds });
    } else {
      let cursor: string | undefined;
      do cursor = await post({ ...selection.body, ...(cursor ? { cursor } : {}) });
      while (cursor);
    }
  } finally {
    out.progressDone();
  }
  return totals;
}

export function registerTracesCommands(program: Command, client: () => AdminClient, io: Io = processIo): void {
  const traces = program.command('traces').description('the trace records of clicks and webhooks');

  withJson(
    traces
      .command('list')
      .description('list traces, newest first')
      .option('--offer <offerId>', 'only this offer')
      .addOption(new Option('--status <status>', 'only this status').choices([...TRACE_STATUSES]))
      .option('--since <time>', 'only traces created since: an ISO time, epoch ms, or a duration back from now (90m, 24h, 7d)')
      .option('--limit <n>', 'at most this many (1-500)', positiveInteger('--limit', 500), 20),
    'print the API response as JSON',
  ).action((opts: { offer?: string; status?: string; since?: string; limit: number; json?: boolean }) =>
    respond(io, opts, async (out) => {
      const query = new URLSearchParams({ limit: String(opts.limit) });
      if (opts.offer) query.set('offerId', opts.offer);
      if (opts.status) query.set('status', opts.status);
      if (opts.since) query.set('since', opts.since);
      const res = await client().request<TraceList>('GET', `/admin/traces?${query.toString()}`);
      if (res.status >= 400) throw apiError('traces', res);
      out.result(res.body, (list) => formatTraceTable(list.traces));
      if (res.body.hint) out.note(`\nhint: ${res.body.hint}`);
    }),
  );

  withJson(traces.command('show <traceId>').description('one trace for a reader: status, mode, failure, landing URL, and the hop chain as a tree')).action(
    (traceId: string, opts: { json?: boolean }) =>
      respond(io, opts, async (out) => {
        const res = await client().request<TraceDetail>('GET', `/admin/traces/${encodeURIComponent(traceId)}`);
        if (res.status >= 400) throw apiError(`trace ${traceId}`, res);
        out.result(res.body, formatTraceDetail);
      }),
  );

  withJson(
    traces
      .command('requeue')
      .description('put failed, dead-lettered or timed-out traces back into the pipeline (the retry schedule sends them, with their retries renewed)')
      .option('--ids <ids>', 'these traces (comma-separated trace ids)')
      .option('--offer <offerId>', "this offer's traces of --status")
      .option('--all', 'every trace of --status')
      .addOption(new Option('--status <status>', 'the status to requeue from').choices([...REQUEUEABLE_STATUSES]))
      .option('--since <since>', 'traces that entered the status since: ISO time, epoch ms, or a duration back (30m, 24h, 7d); default 24h'),
    'print only the final summary, as JSON',
  ).action((opts: RequeueOptions) =>
    respond(io, opts, async (out) => {
      const totals = await requeuePages(client(), out, opts);
      out.result(totals, formatRequeueSummary);
      // Some writes failed on the service's side: the summary stands, and a rerun picks them up.
      return totals.failed ? EXIT.unreachable : EXIT.ok;
    }),
  );

  withJson(traces.command('get <traceId>').description('show one trace record: status, hops, final URL and parameters, timings (JSON either way)')).action(
    (traceId: string, opts: { json?: boolean }) =>
      respond(io, opts, async (out) => {
        const res = await client().request('GET', `/admin/traces/${encodeURIComponent(traceId)}`);
        if (res.status >= 400) throw apiError(`trace ${traceId}`, res);
        out.result(res.body, (body) => JSON.stringify(body, null, 2));
      }),
  );
}
