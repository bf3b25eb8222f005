/**
 * `tracepool traces list [--offer] [--status] [--limit] [--json]` and `tracepool traces get <traceId>`:
 * the trace records, newest first. When the list is short because clicks were skipped as bots,
 * the API's hint is printed under the table (to stderr, so piped output stays the table).
 */
import { Option, type Command } from 'commander';
import type { AdminClient } from './admin-client';
import { positiveInteger } from './arguments';
import { apiError, processIo, respond, table, withJson, type Io } from './output';
import { TRACE_STATUSES } from '../../lambdas/traces/trace-record';

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

export function registerTracesCommands(program: Command, client: () => AdminClient, io: Io = processIo): void {
  const traces = program.command('traces').description('the trace records of clicks and webhooks');

  withJson(
    traces
      .command('list')
      .description('list traces, newest first')
      .option('--offer <offerId>', 'only this offer')
      .addOption(new Option('--status <status>', 'only this status').choices([...TRACE_STATUSES]))
      .option('--limit <n>', 'at most this many (1-500)', positiveInteger('--limit', 500), 20),
    'print the API response as JSON',
  ).action((opts: { offer?: string; status?: string; limit: number; json?: boolean }) =>
    respond(io, opts, async (out) => {
      const query = new URLSearchParams({ limit: String(opts.limit) });
      if (opts.offer) query.set('offerId', opts.offer);
      if (opts.status) query.set('status', opts.status);
      const res = await client().request<TraceList>('GET', `/admin/traces?${query.toString()}`);
      if (res.status >= 400) throw apiError('traces', res);
      out.result(res.body, (list) => formatTraceTable(list.traces));
      if (res.body.hint) out.note(`\nhint: ${res.body.hint}`);
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
