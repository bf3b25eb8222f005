/**
 * `tracepool health [--json]`, `tracepool health --history [--from 6h] [--to …]` and
 * `tracepool dlq redrive [--queue trace|events] [--wait]`.
 *
 * Admin API contract (handlers in lambdas/ops/):
 *   GET /admin/pool → 200 PoolDocument (lambdas/ops/pool-monitor.ts)
 *   GET /admin/pool/history?from=&to= → 200 PoolHistory (lambdas/ops/pool-history.ts) | 400 bad range
 *   POST /admin/dlq/redrive { queue } → 202 started | 200 nothing_to_move | 409 already running
 *   GET /admin/dlq/redrive?queue=… → 200 { approximateMessages, running, tasks: [{ status, moved, toMove }] }
 *
 * Exit codes of `health` are the pool's state: 0 healthy, 1 degraded (warnings), 2 critical or
 * no document at all (unreachable, or any error answer: a monitor that cannot say must not pass for
 * degraded). `health --history` and `dlq redrive` follow the CLI's: 1 for a 4xx (a bad range; 409:
 * a move already runs), 2 unreachable.
 */
import { Option, type Command } from 'commander';
import type { AdminClient } from './admin-client';
import { CliError, EXIT, Output, apiError, formatError, processIo, table, toCliError, withJson, type ExitCode, type Io } from './output';
import type { PoolDocument } from '../../lambdas/ops/pool-monitor';
import type { MoveTask } from '../../lambdas/ops/dlq-redrive';
import type { HistoryPoint, PoolHistory } from '../../lambdas/ops/pool-history';

export type Print = (line: string) => void;

export const HEALTH_EXIT = { healthy: 0, degraded: 1, critical: 2, unreachable: 2 } as const;

const fmt = (n: number | null | undefined, suffix = '') => (n === null || n === undefined ? '–' : `${n}${suffix}`);
function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

const linePrinters = (io: Io): { print: Print; printErr: Print } => ({
  print: (line) => io.stdout(`${line}\n`),
  printErr: (line) => io.stderr(`${line}\n`),
});
const { print: stdoutLine, printErr: stderrLine } = linePrinters(processIo);

/** Line printers (the command's tests pass their own) as the Io an Output writes to. */
const linesIo = (print: Print, printErr: Print): Io => ({
  stdout: (chunk) => print(chunk.replace(/\n$/, '')),
  stderr: (chunk) => printErr(chunk.replace(/\n$/, '')),
});

/** The monitor document as a compact, fixed-layout text block. */
export function formatHealth(doc: PoolDocument): string {
  const out: string[] = [`Health: ${doc.health.toUpperCase()}   (checked ${doc.checked_at})`];
  const p = doc.pool_summary;
  if (p) {
    out.push(
      `Pool:    ${p.total} IPs, ${p.healthy} healthy · available ${p.available} · leased ${p.leased} · cooldown ${p.cooldown} · unhealthy ${p.unhealthy} · disabled ${p.disabled} · utilization ${p.utilization_pct} % · expired leases ${p.expired_leases}`,
    );
    const countries = Object.entries(p.by_country);
    if (countries.length) {
      out.push(
        ...table(
          ['  CC', 'TOTAL', 'AVAIL', 'LEASED', 'COOLDOWN', 'UNHEALTHY', 'DISABLED'],
          countries.map(([cc, c]) => [`  ${cc}`, String(c.total), String(c.available), String(c.leased), String(c.cooldown), String(c.unhealthy), String(c.disabled)]),
          { rightFrom: 1 },
        ),
      );
    }
  } else out.push('Pool:    unavailable');
  const a = doc.active_requests;
  out.push(a ? `Active:  running ${a.running} · queued ${a.queued} · retry scheduled ${a.retry_scheduled}${a.capped ? ' (at least)' : ''}` : 'Active:  unavailable');
  const q = doc.queue_depth;
  const dlqs = q.dlqs
    ? Object.entries(q.dlqs)
        .map(([name, d]) => `${name} ${d.visible}`)
        .join(', ')
    : 'unavailable';
  out.push(`Queues:  trace ${q.trace_queue ? `${q.trace_queue.visible} waiting, ${q.trace_queue.in_flight} in flight` : 'unavailable'} · DLQ ${dlqs}`);
  const perf = doc.performance;
  if (perf) {
    out.push(
      `Traces:  ${perf.traces_per_minute}/min · success ${fmt(perf.success_rate_5m_pct, ' %')} (5 min), ${fmt(perf.success_rate_1h_pct, ' %')} (1 h) · trace time mean ${fmt(perf.mean_trace_ms, ' ms')}, p95 ${fmt(perf.p95_trace_ms, ' ms')}`,
      `         HTTP-only ${fmt(perf.http_only_pct, ' %')} · browser ${fmt(perf.browser_pct, ' %')} · proxy ${bytes(perf.proxy_bytes_1h)} in 1 h${perf.sampled ? ' (newest traces only)' : ''}`,
    );
  } else out.push('Traces:  unavailable');
  if (doc.warnings.length) {
    out.push('Warnings:');
    for (const w of doc.warnings) out.push(`  ${w.severity.toUpperCase().padEnd(8)} ${w.type}: ${w.message}`, `           → ${w.recommendation}`);
  } else out.push('Warnings: none');
  return out.join('\n');
}

/** Runs `health`; returns the exit code. */
export async function runHealth(admin: AdminClient, opts: { json?: boolean }, print: Print = stdoutLine, printErr: Print = stderrLine): Promise<number> {
  const json = opts.json === true;
  let res;
  try {
    res = await admin.request<PoolDocument>('GET', '/admin/pool');
  } catch (error) {
    printErr(formatError(new CliError(`monitor unreachable: ${toCliError(error).message}`, HEALTH_EXIT.unreachable), json));
    return HEALTH_EXIT.unreachable;
  }
  if (res.status !== 200 || typeof res.body !== 'object' || res.body === null || !('health' in res.body)) {
    const answered = apiError('monitor answered', res);
    printErr(formatError(new CliError(answered.message, HEALTH_EXIT.unreachable, answered.details), json));
    return HEALTH_EXIT.unreachable;
  }
  print(json ? JSON.stringify(res.body, null, 2) : formatHealth(res.body));
  return HEALTH_EXIT[res.body.health] ?? HEALTH_EXIT.unreachable;
}

/** At most this many rows in the text view: longer ranges are shown in equal slices of time. */
const HISTORY_ROWS = 48;
const SPARKS = '▁▂▃▄▅▆▇█';

/** Percentages as a one-line chart (0–100 %), a gap where there was no data. */
export function sparkline(values: readonly (number | null)[]): string {
  return values.map((v) => (v === null ? ' ' : SPARKS[Math.min(SPARKS.length - 1, Math.floor((Math.max(0, Math.min(100, v)) / 100) * SPARKS.length))])).join('');
}

interface HistoryRow {
  readonly at: string;
  readonly utilizationPct: number;
  readonly successRatePct: number | null;
  readonly tracesPerMinute: number | null;
  readonly last: HistoryPoint;
}

const mean = (xs: readonly number[]): number | null => (xs.length ? Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 10) / 10 : null);

/** Consecutive points merged into at most `rows` rows: mean utilization, success and throughput, the pool as it was last. */
export function historyRows(points: readonly HistoryPoint[], rows = HISTORY_ROWS): HistoryRow[] {
  const size = Math.max(1, Math.ceil(points.length / rows));
  const out: HistoryRow[] = [];
  for (let i = 0; i < points.length; i += size) {
    const slice = points.slice(i, i + size);
    const nums = (pick: (p: HistoryPoint) => number | null) => slice.map(pick).filter((n): n is number => n !== null);
    out.push({
      at: slice[0]!.at,
      utilizationPct: mean(nums((p) => p.utilizationPct)) ?? 0,
      successRatePct: mean(nums((p) => p.successRatePct)),
      tracesPerMinute: mean(nums((p) => p.tracesPerMinute)),
      last: slice[slice.length - 1]!,
    });
  }
  return out;
}

/** The pool over time as text: two sparklines, then a table of (merged) snapshots. */
export function formatHistory(h: PoolHistory): string {
  if (!h.points.length) return `No pool snapshots from ${h.from} to ${h.to} (the health check writes one every 5 minutes; they are kept 7 days).`;
  const rows = historyRows(h.points);
  const s = h.summary;
  const spread = (x: { avg: number; min: number; max: number } | null, unit: string) => (x ? `avg ${x.avg}${unit}, min ${x.min}${unit}, max ${x.max}${unit}` : 'no data');
  const out = [
    `Pool from ${h.from} to ${h.to}: ${s.snapshots} snapshot(s)${rows.length < h.points.length ? `, ${Math.ceil(h.points.length / rows.length)} per row` : ''}`,
    `Utilization  ${sparkline(rows.map((r) => r.utilizationPct))}  ${spread(s.utilizationPct, ' %')}`,
    `Success      ${sparkline(rows.map((r) => r.successRatePct))}  ${spread(s.successRatePct, ' %')}`,
    '',
    ...table(
      ['TIME (UTC)', 'UTIL %', 'SUCCESS %', 'TRACES/MIN', 'AVAIL', 'LEASED', 'COOLDOWN', 'UNHEALTHY'],
      rows.map((r) => [
        r.at.slice(0, 16).replace('T', ' '),
        String(r.utilizationPct),
        fmt(r.successRatePct),
        fmt(r.tracesPerMinute),
        String(r.last.available),
        String(r.last.leased),
        String(r.last.cooldown),
        String(r.last.unhealthy),
      ]),
      { rightFrom: 1 },
    ),
  ];
  return out.join('\n');
}

/** Runs `health --history`; returns the exit code (the CLI's: 0, 1 for a bad range, 2 unreachable). */
export async function runHealthHistory(
  admin: AdminClient,
  opts: { json?: boolean; from?: string; to?: string },
  print: Print = stdoutLine,
  printErr: Print = stderrLine,
): Promise<number> {
  const out = new Output(linesIo(print, printErr), opts.json === true);
  try {
    const query = new URLSearchParams({ ...(opts.from ? { from: opts.from } : {}), ...(opts.to ? { to: opts.to } : {}) }).toString();
    const res = await admin.request<PoolHistory>('GET', `/admin/pool/history${query ? `?${query}` : ''}`);
    if (res.status !== 200) throw apiError('pool history', res);
    out.result(res.body, formatHistory);
    return EXIT.ok;
  } catch (error) {
    return out.fail(error);
  }
}

interface RedriveStarted {
  status: 'started' | 'nothing_to_move';
  queue: string;
  approximateMessages: number;
  taskHandle?: string;
}
interface RedriveStatusBody {
  approximateMessages: number;
  running: boolean;
  tasks: MoveTask[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `dlq redrive`; returns the exit code: 0 started, done or nothing to do; 1 a move already
 * running, a move that failed or did not finish in time; an API error's otherwise.
 */
export async function runRedrive(
  admin: AdminClient,
  opts: { queue: 'trace' | 'events'; wait?: boolean; json?: boolean; timeoutMs?: number; pollMs?: number },
  print: Print = stdoutLine,
  printErr: Print = stderrLine,
): Promise<number> {
  const out = new Output(linesIo(print, printErr), opts.json === true);
  try {
    return await redrive(admin, opts, out);
  } catch (error) {
    return out.fail(error);
  }
}

async function redrive(admin: AdminClient, opts: { queue: 'trace' | 'events'; wait?: boolean; timeoutMs?: number; pollMs?: number }, out: Output): Promise<ExitCode> {
  const res = await admin.request<RedriveStarted | { message: string; details?: { task?: MoveTask } }>('POST', '/admin/dlq/redrive', { queue: opts.queue });
  if (res.status === 409) {
    const task = (res.body as { details?: { task?: MoveTask } }).details?.task;
    out.shortfall(
      { status: 'already_running', queue: opts.queue, task },
      () => `A redrive of the ${opts.queue} DLQ is already running${task ? `: ${task.moved} of ${task.toMove ?? '?'} moved so far` : ''}.`,
    );
    return EXIT.rejected;
  }
  if (res.status !== 200 && res.status !== 202) throw apiError('dlq redrive', res);
  const body = res.body as RedriveStarted;
  if (body.status === 'nothing_to_move') {
    out.result(body, () => `The ${opts.queue} DLQ is empty: nothing to move.`);
    return EXIT.ok;
  }
  if (!opts.wait) {
    out.result(body, (b) =>
      [
        `Moving ~${b.approximateMessages} message(s) from the ${opts.queue} DLQ back to its queue.`,
        `Follow with: tracepool dlq redrive --queue ${opts.queue} --wait  (or GET /admin/dlq/redrive?queue=${opts.queue})`,
      ].join('\n'),
    );
    return EXIT.ok;
  }
  out.line(`Moving ~${body.approximateMessages} message(s) from the ${opts.queue} DLQ back to its queue.`);
  const deadline = Date.now() + (opts.timeoutMs ?? 300_000);
  for (;;) {
    await sleep(opts.pollMs ?? 1000);
    const st = await admin.request<RedriveStatusBody>('GET', `/admin/dlq/redrive?queue=${opts.queue}`);
    if (st.status !== 200) throw apiError('dlq redrive status', st);
    const latest = st.body.tasks[0];
    if (!st.body.running && latest) {
      if (latest.status === 'COMPLETED') {
        out.result(st.body, () => `Moved ${latest.moved} message(s).`);
        return EXIT.ok;
      }
      out.shortfall(
        st.body,
        () => `Redrive ${latest.status.toLowerCase()} after moving ${latest.moved} message(s)${latest.failureReason ? `: ${latest.failureReason}` : ''}.`,
      );
      return EXIT.rejected;
    }
    if (Date.now() > deadline) {
      out.result(st.body, () => `Still moving: ${latest?.moved ?? 0} of ${latest?.toMove ?? '?'} moved so far.`);
      return EXIT.rejected;
    }
  }
}

export function registerHealthCommands(program: Command, client: () => AdminClient, io: Io = processIo): void {
  const { print, printErr } = linePrinters(io);
  withJson(program.command('health').description('pool and pipeline health (exit 0 healthy, 1 degraded, 2 critical or unreachable)'), 'print the monitor document as JSON')
    .option('--history', 'the pool over time instead: utilization and success rate from the 5-minute snapshots (exit codes as for other commands)')
    .option('--from <time>', 'with --history: start, as an ISO time, epoch ms or a duration back from now (6h, 2d); default 24h before --to')
    .option('--to <time>', 'with --history: end, in the same forms; default now')
    .action(async (opts: { json?: boolean; history?: boolean; from?: string; to?: string }) => {
      if (!opts.history && (opts.from || opts.to)) {
        printErr(formatError(new CliError('--from and --to go with --history', EXIT.rejected), opts.json === true));
        process.exitCode = EXIT.rejected;
        return;
      }
      process.exitCode = opts.history ? await runHealthHistory(client(), opts, print, printErr) : await runHealth(client(), opts, print, printErr);
    });

  const dlq = program.command('dlq').description('dead-letter queues');
  withJson(
    dlq
      .command('redrive')
      .description('move the messages of a dead-letter queue back to its queue (SQS message move task)')
      .addOption(new Option('--queue <queue>', 'which DLQ').choices(['trace', 'events']).default('trace'))
      .option('--wait', 'wait until the move is done and print how many moved'),
  ).action(async (opts: { queue: 'trace' | 'events'; wait?: boolean; json?: boolean }) => {
    process.exitCode = await runRedrive(client(), opts, print, printErr);
  });
}
