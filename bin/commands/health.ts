/**
 * `tracepool health [--json]` and `tracepool dlq redrive [--queue trace|events] [--wait]`.
 *
 * Admin API contract (handlers in lambdas/ops/):
 *   GET /admin/pool → 200 PoolDocument (lambdas/ops/pool-monitor.ts)
 *   POST /admin/dlq/redrive { queue } → 202 started | 200 nothing_to_move | 409 already running
 *   GET /admin/dlq/redrive?queue=… → 200 { approximateMessages, running, tasks: [{ status, moved, toMove }] }
 *
 * Exit codes of `health`: 0 healthy, 1 degraded (warnings), 2 critical or the API unreachable.
 */
import { Option, type Command } from 'commander';
import type { AdminClient } from './admin-client';
import type { PoolDocument } from '../../lambdas/ops/pool-monitor';
import type { MoveTask } from '../../lambdas/ops/dlq-redrive';

export type Print = (line: string) => void;

export const HEALTH_EXIT = { healthy: 0, degraded: 1, critical: 2, unreachable: 2 } as const;

const fmt = (n: number | null | undefined, suffix = '') => (n === null || n === undefined ? '–' : `${n}${suffix}`);
function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

function table(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(head), ...rows.map(line)];
}

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
        ),
      );
    }
  } else out.push('Pool:    unavailable');
  const a = doc.active_requests;
  out.push(a ? `Active:  running ${a.running} · queued ${a.queued} · retry scheduled ${a.retry_scheduled}${a.capped ? ' (at least)' : ''}` : 'Active:  unavailable');
  const q = doc.queue_depth;
  const dlqs = q.dlqs ? Object.entries(q.dlqs).map(([name, d]) => `${name} ${d.visible}`).join(', ') : 'unavailable';
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

function reason(error: unknown): string {
  const cause = error instanceof Error ? error.message : String(error);
  return /fetch failed|ECONNREFUSED/.test(cause) ? `${cause} — is the local stack running (npm start)?` : cause;
}

const apiMessage = (body: unknown) =>
  typeof body === 'object' && body !== null && 'message' in body ? String((body as { message: unknown }).message) : JSON.stringify(body);

/** Runs `health`; returns the exit code. */
export async function runHealth(admin: AdminClient, opts: { json?: boolean }, print: Print = console.log, printErr: Print = console.error): Promise<number> {
  let res;
  try {
    res = await admin.request<PoolDocument>('GET', '/admin/pool');
  } catch (error) {
    printErr(`error: monitor unreachable: ${reason(error)}`);
    return HEALTH_EXIT.unreachable;
  }
  if (res.status !== 200 || typeof res.body !== 'object' || res.body === null || !('health' in res.body)) {
    printErr(`error: monitor answered HTTP ${res.status}: ${apiMessage(res.body)}`);
    return HEALTH_EXIT.unreachable;
  }
  print(opts.json ? JSON.stringify(res.body, null, 2) : formatHealth(res.body));
  return HEALTH_EXIT[res.body.health] ?? HEALTH_EXIT.unreachable;
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

/** Runs `dlq redrive`; returns the exit code (0 started/done/nothing to do, 1 otherwise). */
export async function runRedrive(
  admin: AdminClient,
  opts: { queue: 'trace' | 'events'; wait?: boolean; timeoutMs?: number; pollMs?: number },
  print: Print = console.log,
  printErr: Print = console.error,
): Promise<number> {
  const res = await admin.request<RedriveStarted | { message: string; details?: { task?: MoveTask } }>('POST', '/admin/dlq/redrive', { queue: opts.queue });
  if (res.status === 409) {
    const task = (res.body as { details?: { task?: MoveTask } }).details?.task;
    printErr(`A redrive of the ${opts.queue} DLQ is already running${task ? `: ${task.moved} of ${task.toMove ?? '?'} moved so far` : ''}.`);
    return 1;
  }
  if (res.status !== 200 && res.status !== 202) {
    printErr(`error: HTTP ${res.status}: ${apiMessage(res.body)}`);
    return 1;
  }
  const body = res.body as RedriveStarted;
  if (body.status === 'nothing_to_move') {
    print(`The ${opts.queue} DLQ is empty: nothing to move.`);
    return 0;
  }
  print(`Moving ~${body.approximateMessages} message(s) from the ${opts.queue} DLQ back to its queue.`);
  if (!opts.wait) {
    print(`Follow with: tracepool dlq redrive --queue ${opts.queue} --wait  (or GET /admin/dlq/redrive?queue=${opts.queue})`);
    return 0;
  }
  const deadline = Date.now() + (opts.timeoutMs ?? 300_000);
  for (;;) {
    await sleep(opts.pollMs ?? 1000);
    const st = await admin.request<RedriveStatusBody>('GET', `/admin/dlq/redrive?queue=${opts.queue}`);
    if (st.status !== 200) {
      printErr(`error: HTTP ${st.status}: ${apiMessage(st.body)}`);
      return 1;
    }
    const latest = st.body.tasks[0];
    if (!st.body.running && latest) {
      if (latest.status === 'COMPLETED') {
        print(`Moved ${latest.moved} message(s).`);
        return 0;
      }
      printErr(`Redrive ${latest.status.toLowerCase()} after moving ${latest.moved} message(s)${latest.failureReason ? `: ${latest.failureReason}` : ''}.`);
      return 1;
    }
    if (Date.now() > deadline) {
      print(`Still moving: ${latest?.moved ?? 0} of ${latest?.toMove ?? '?'} moved so far.`);
      return 1;
    }
  }
}

export function registerHealthCommands(program: Command, client: () => AdminClient): void {
  program
    .command('health')
    .description('pool and pipeline health (exit 0 healthy, 1 degraded, 2 critical or unreachable)')
    .option('--json', 'print the monitor document as JSON')
    .action(async (opts: { json?: boolean }) => {
      process.exitCode = await runHealth(client(), opts);
    });

  const dlq = program.command('dlq').description('dead-letter queues');
  dlq
    .command('redrive')
    .description('move the messages of a dead-letter queue back to its queue (SQS message move task)')
    .addOption(new Option('--queue <queue>', 'which DLQ').choices(['trace', 'events']).default('trace'))
    .option('--wait', 'wait until the move is done and print how many moved')
    .action(async (opts: { queue: 'trace' | 'events'; wait?: boolean }) => {
      process.exitCode = await runRedrive(client(), opts);
    });
}
