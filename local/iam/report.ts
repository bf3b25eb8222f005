/**
 * `npm run iam:report`: least-privilege findings from the record of a local run with IAM enforced
 * (TRACEPOOL_ENFORCE_IAM=1; the e2e suite, or `npm start`): per function, the actions its
 * policies grant that no call used, and every call that was denied.
 *
 *   npm run iam:report                      # .tracepool/iam-calls.jsonl (or TRACEPOOL_IAM_RECORD)
 *   npm run iam:report -- --file other.jsonl --json
 *   npm run iam:report -- --strict          # exit 1 when a grant is unused without a reason, or a call was denied
 *
 * A grant counts as used when an allowed call matched it (action and resource, IAM wildcards).
 * This attribution is the report's own matching, for counting only: what is allowed or denied was
 * decided by the policy evaluator when the call was made. Grants used by Lambda itself rather than
 * the function's code (logs, X-Ray segments, the SQS event source's polling) are listed with that
 * reason, since no local endpoint ever sees those calls.
 */
import { readIamRecords, recordFileFromEnv, type CallRecord, type IamRecord, type RunRecord } from './record';

export type UnusedReason = 'logs' | 'xray' | 'event-source' | 'message-move' | 'unused';

export interface UnusedGrant {
  readonly action: string;
  /** The resource pattern, by construct (`…:table/{Catalog}`), the same in every run. */
  readonly resource: string;
  readonly reason: UnusedReason;
}

export interface FunctionFindings {
  readonly functionId: string;
  readonly granted: number;
  readonly used: number;
  readonly calls: number;
  readonly denied: number;
  readonly unused: readonly UnusedGrant[];
}

export interface DeniedCall {
  readonly functionId: string;
  readonly action: string;
  readonly resource: string;
  readonly count: number;
  readonly error?: string;
}

export interface IamReport {
  readonly runs: number;
  readonly calls: number;
  readonly allowed: number;
  readonly denied: number;
  readonly functions: readonly FunctionFindings[];
  readonly deniedCalls: readonly DeniedCall[];
  readonly warnings: readonly string[];
}

export const REASONS: Record<UnusedReason, string> = {
  logs: 'Lambda writes the function logs with it (AWSLambdaBasicExecutionRole)',
  xray: 'Lambda sends the X-Ray segments with it (active tracing)',
  'event-source': "Lambda's SQS event source polls with the function's role",
  'message-move': "SQS moves a DLQ's messages back with the caller's permissions (StartMessageMoveTask)",
  unused: 'never called: a least-privilege finding',
};

/** Lambda's SQS event source mapping needs these on the queue, with the function's role. */
const EVENT_SOURCE_ACTIONS = new Set(['sqs:receivemessage', 'sqs:deletemessage', 'sqs:getqueueattributes']);
/**
 * What a message move task does with the permissions of whoever started it: receive and delete on
 * the DLQ, send on the queue the messages go back to. No local endpoint sees those calls.
 */
const MESSAGE_MOVE_ACTIONS = new Set(['sqs:receivemessage', 'sqs:deletemessage', 'sqs:sendmessage']);

/** IAM's wildcards: `*` any run of characters, `?` one. */
function wildcard(pattern: string, flags = ''): RegExp {
  return new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    flags,
  );
}
const actionMatches = (pattern: string, action: string) => wildcard(pattern, 'i').test(action);
const resourceMatches = (pattern: string, resource: string) => wildcard(pattern).test(resource);

export function buildIamReport(records: readonly IamRecord[]): IamReport {
  const runs = new Map<string, RunRecord>();
  for (const r of records) if (r.kind === 'run') runs.set(r.run, r);
  const calls = records.filter((r): r is CallRecord => r.kind === 'call');

  // Grants and event sources by function, keyed by construct labels so runs add up.
  const granted = new Map<string, Map<string, { action: string; resource: string }>>();
  const eventSources = new Map<string, Set<string>>();
  const warnings = new Set<string>();
  for (const run of runs.values()) {
    run.warnings.forEach((w) => warnings.add(w));
    for (const [functionId, f] of Object.entries(run.functions)) {
      const mine = granted.get(functionId) ?? new Map<string, { action: string; resource: string }>();
      for (const g of f.grants) mine.set(`${g.action}\u0000${g.label}`, { action: g.action, resource: g.label });
      granted.set(functionId, mine);
      const sources = eventSources.get(functionId) ?? new Set<string>();
      f.eventSourceQueues.forEach((q) => sources.add(q.label));
      eventSources.set(functionId, sources);
    }
  }

  const used = new Map<string, Set<string>>();
  const callCounts = new Map<string, { calls: number; denied: number }>();
  const denied = new Map<string, DeniedCall>();
  for (const call of calls) {
    const counts = callCounts.get(call.functionId) ?? { calls: 0, denied: 0 };
    counts.calls++;
    callCounts.set(call.functionId, counts);
    if (!call.allowed) {
      counts.denied++;
      const key = `${call.functionId}\u0000${call.action}\u0000${call.resource}`;
      const seen = denied.get(key);
      denied.set(key, {
        functionId: call.functionId,
        action: call.action,
        resource: call.resource,
        count: (seen?.count ?? 0) + 1,
        ...(call.error ? { error: call.error } : {}),
      });
      continue;
    }
    const grants = runs.get(call.run)?.functions[call.functionId]?.grants ?? [];
    const mine = used.get(call.functionId) ?? new Set<string>();
    for (const g of grants) {
      if (actionMatches(g.action, call.action) && resourceMatches(g.resource, call.resource)) mine.add(`${g.action}\u0000${g.label}`);
    }
    used.set(call.functionId, mine);
  }

  const functions: FunctionFindings[] = [...granted.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([functionId, grants]) => {
      const usedKeys = used.get(functionId) ?? new Set<string>();
      const movesMessages = [...grants.values()].some((g) => g.action.toLowerCase() === 'sqs:startmessagemovetask');
      const unused: UnusedGrant[] = [];
      for (const [key, g] of grants) {
        if (usedKeys.has(key)) continue;
        unused.push({ ...g, reason: reasonFor(g.action, g.resource, eventSources.get(functionId), movesMessages) });
      }
      const counts = callCounts.get(functionId) ?? { calls: 0, denied: 0 };
      return { functionId, granted: grants.size, used: usedKeys.size, calls: counts.calls, denied: counts.denied, unused };
    });

  return {
    runs: runs.size,
    calls: calls.length,
    allowed: calls.filter((c) => c.allowed).length,
    denied: calls.filter((c) => !c.allowed).length,
    functions,
    deniedCalls: [...denied.values()].sort((a, b) => a.functionId.localeCompare(b.functionId) || b.count - a.count),
    warnings: [...warnings],
  };
}

function reasonFor(action: string, resource: string, eventSources: ReadonlySet<string> | undefined, movesMessages: boolean): UnusedReason {
  const lower = action.toLowerCase();
  if (lower.startsWith('logs:')) return 'logs';
  if (lower.startsWith('xray:')) return 'xray';
  if (EVENT_SOURCE_ACTIONS.has(lower) && eventSources?.has(resource)) return 'event-source';
  if (movesMessages && MESSAGE_MOVE_ACTIONS.has(lower)) return 'message-move';
  return 'unused';
}

/** `arn:aws:dynamodb:us-east-1:000000000000:table/{Catalog}` → `dynamodb table/{Catalog}`. */
export function shortResource(arn: string): string {
  const m = /^arn:aws:([^:]+):[^:]*:[^:]*:(.*)$/.exec(arn);
  return m ? `${m[1]} ${m[2]}` : arn;
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function formatIamReport(report: IamReport): string {
  const out: string[] = [];
  out.push(`IAM calls evaluated: ${report.calls} (${report.allowed} allowed, ${report.denied} denied) over ${report.runs} local stack run(s)`);
  out.push('');
  out.push(
    table(
      ['function', 'granted', 'used', 'calls', 'denied', 'unused (findings)'],
      report.functions.map((f) => [
        f.functionId,
        String(f.granted),
        String(f.used),
        String(f.calls),
        String(f.denied),
        String(f.unused.filter((u) => u.reason === 'unused').length),
      ]),
    ),
  );
  out.push('');
  out.push('Granted and never used:');
  const rows: string[][] = [];
  for (const f of report.functions) {
    // One row per function, resource and reason: the actions listed together.
    const groups = new Map<string, { resource: string; reason: UnusedReason; actions: string[] }>();
    for (const u of f.unused) {
      const key = `${u.resource}\u0000${u.reason}`;
      const group = groups.get(key) ?? { resource: u.resource, reason: u.reason, actions: [] };
      group.actions.push(u.action);
      groups.set(key, group);
    }
    const sorted = [...groups.values()].sort((a, b) => Number(a.reason !== 'unused') - Number(b.reason !== 'unused') || a.resource.localeCompare(b.resource));
    for (const g of sorted) rows.push([f.functionId, shortResource(g.resource), g.actions.sort().join(', '), REASONS[g.reason]]);
  }
  out.push(rows.length ? table(['function', 'resource', 'actions', 'why'], rows) : '  none');
  out.push('');
  out.push('Denied calls:');
  out.push(
    report.deniedCalls.length
      ? table(
          ['function', 'action', 'resource', 'calls'],
          report.deniedCalls.map((d) => [d.functionId, d.action, d.resource + (d.error ? ` (${d.error})` : ''), String(d.count)]),
        )
      : '  none',
  );
  if (report.warnings.length) {
    out.push('');
    out.push('Warnings:');
    for (const w of report.warnings) out.push(`  - ${w}`);
  }
  return out.join('\n');
}

function main(argv: string[]): number {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const file = arg('--file') ?? recordFileFromEnv();
  const records = readIamRecords(file);
  if (!records.length) {
    console.error(`No IAM record in ${file}: run the local stack with TRACEPOOL_ENFORCE_IAM=1 (or the e2e suite) first.`);
    return 2;
  }
  const report = buildIamReport(records);
  console.log(argv.includes('--json') ? JSON.stringify(report, null, 2) : `${file}\n\n${formatIamReport(report)}`);
  const findings = report.functions.some((f) => f.unused.some((u) => u.reason === 'unused'));
  return argv.includes('--strict') && (findings || report.denied > 0) ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
