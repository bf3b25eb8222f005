/**
 * `tracepool ips test [ids...] [--country CC] [--sample N] [--echo-url URL]`: probes pool IPs
 * through an echo URL and reports each one's latency, exit address and country.
 *
 * Without ids it lists the pool (GET /admin/ips) and tests the IPs that are available now — a
 * random sample of them with --sample — ten per request to POST /admin/ips/test (the contract is
 * documented beside its handler, lambdas/admin/ip-test.handler.ts). IPs that are busy, unhealthy or
 * disabled are counted, not tested: a probe never takes an IP from a trace.
 */
import type { Command } from 'commander';
import type { AdminClient } from './admin-client';
import { positiveInteger } from './arguments';
import { CliError, EXIT, apiError, processIo, respond, table, withJson, type Io, type Output } from './output';

/** The route's own limit: ten probes answer inside API Gateway's 30 s. */
export const TEST_BATCH = 10;

export type IpTestResult =
  | {
      ipId: string;
      tested: true;
      ok: boolean;
      host: string;
      port: number;
      country: string;
      latencyMs: number;
      exitAddress?: string;
      exitCountry?: string;
      countryMatches?: boolean;
      failure?: { class: string; message: string };
      counted: boolean;
      markedUnhealthy: boolean;
    }
  | { ipId: string; tested: false; skipped: string };

export interface IpTestReport {
  echoUrl?: string;
  /** IPs in the selection that were not available when listed, by state. */
  notAvailable: Record<string, number>;
  results: IpTestResult[];
  tested: number;
  ok: number;
  failed: number;
  skipped: number;
  countryMismatches: number;
}

interface ListedIp {
  ipId: string;
  state: string;
}

export interface IpTestOptions {
  ids?: readonly string[];
  country?: string;
  sample?: number;
  echoUrl?: string;
  /** [0, 1): the sample's pick. */
  random?: () => number;
}

/** Which IPs to send: the ids given, or the available ones of the listing (a random sample of them). */
export async function selectIps(admin: AdminClient, opts: IpTestOptions): Promise<{ ids: string[]; notAvailable: Record<string, number> }> {
  if (opts.ids?.length) return { ids: [...new Set(opts.ids)], notAvailable: {} };
  const query = new URLSearchParams({ limit: '10000' });
  if (opts.country) query.set('country', opts.country.toLowerCase());
  const res = await admin.request<{ ips: ListedIp[] }>('GET', `/admin/ips?${query.toString()}`);
  if (res.status !== 200) throw apiError('ips list', res);
  const notAvailable: Record<string, number> = {};
  const available: string[] = [];
  for (const ip of res.body.ips) {
    if (ip.state === 'available') available.push(ip.ipId);
    else notAvailable[ip.state] = (notAvailable[ip.state] ?? 0) + 1;
  }
  if (opts.sample !== undefined && opts.sample < available.length) {
    const random = opts.random ?? Math.random;
    for (let i = available.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [available[i], available[j]] = [available[j]!, available[i]!];
    }
    available.length = opts.sample;
  }
  return { ids: available, notAvailable };
}

/** Tests the selection in batches of TEST_BATCH, reporting progress after each. */
export async function testIps(admin: AdminClient, opts: IpTestOptions, onProgress: (done: number, total: number) => void = () => undefined): Promise<IpTestReport> {
  const { ids, notAvailable } = await selectIps(admin, opts);
  const report: IpTestReport = { notAvailable, results: [], tested: 0, ok: 0, failed: 0, skipped: 0, countryMismatches: 0 };
  for (let at = 0; at < ids.length; at += TEST_BATCH) {
    const body = { ids: ids.slice(at, at + TEST_BATCH), ...(opts.echoUrl ? { echoUrl: opts.echoUrl } : {}) };
    const res = await admin.request<Omit<IpTestReport, 'notAvailable'> & { echoUrl: string }>('POST', '/admin/ips/test', body, 'application/json');
    if (res.status !== 200) {
      const error = apiError('ips test', res);
      // Say how far it got: what was tested is already counted against (or for) the IPs.
      throw at === 0 ? error : new CliError(`${error.message} (after ${at} of ${ids.length} IPs)`, error.exitCode, error.details);
    }
    report.echoUrl = res.body.echoUrl;
    report.results.push(...res.body.results);
    report.tested += res.body.tested;
    report.ok += res.body.ok;
    report.failed += res.body.failed;
    report.skipped += res.body.skipped;
    report.countryMismatches += res.body.countryMismatches;
    onProgress(Math.min(at + TEST_BATCH, ids.length), ids.length);
  }
  return report;
}

const endpoint = (r: { host: string; port: number }) => `${r.host.includes(':') ? `[${r.host}]` : r.host}:${r.port}`;

export function formatIpTestReport(report: IpTestReport): string {
  const tested = report.results.filter((r): r is Extract<IpTestResult, { tested: true }> => r.tested);
  const rows = tested.map((r) => [
    r.ipId,
    endpoint(r),
    r.country,
    r.ok ? 'ok' : `FAIL ${r.failure?.class ?? ''}`.trim(),
    r.exitAddress ?? '-',
    r.exitCountry ? `${r.exitCountry}${r.countryMatches === false ? ' (!)' : ''}` : '-',
    r.markedUnhealthy ? 'now unhealthy' : r.counted ? 'counted' : '',
    `${r.latencyMs} ms`,
  ]);
  const lines = tested.length ? table(['IP ID', 'ENDPOINT', 'CC', 'RESULT', 'EXIT ADDRESS', 'EXIT CC', 'HEALTH', 'LATENCY'], rows, { rightFrom: 7 }) : [];
  for (const r of tested) if (r.failure) lines.push(`  ${r.ipId}: ${r.failure.message}`);
  for (const r of report.results) if (!r.tested) lines.push(`  ${r.ipId}: not tested (${r.skipped.replace('_', ' ')})`);
  const latencies = tested.filter((r) => r.ok).map((r) => r.latencyMs);
  const median = latencies.length ? [...latencies].sort((a, b) => a - b)[Math.floor((latencies.length - 1) / 2)] : undefined;
  const busy = Object.entries(report.notAvailable).map(([state, n]) => `${n} ${state}`);
  lines.push(
    `Tested ${report.tested} IP(s) through ${report.echoUrl ?? 'the echo'}: ${report.ok} ok, ${report.failed} failed` +
      (report.countryMismatches ? `, ${report.countryMismatches} exiting in another country than the pool says` : '') +
      (median !== undefined ? `; median latency ${median} ms` : '') +
      '.',
  );
  if (report.skipped || busy.length) lines.push(`Not tested: ${[...(report.skipped ? [`${report.skipped} busy when probed`] : []), ...busy].join(', ')}.`);
  return lines.join('\n');
}

export function registerIpsTestCommand(ips: Command, client: () => AdminClient, io: Io = processIo): void {
  withJson(
    ips
      .command('test [ids...]')
      .description('probe IPs through the echo URL: latency, exit address and country; a proxy failure counts against the IP as after a trace')
      .option('--country <cc>', 'only IPs of this country (ISO 3166-1 alpha-2)')
      .option('--sample <n>', 'a random sample of this many of the available IPs', positiveInteger('--sample'))
      .option('--echo-url <url>', "another echo than the deployment's (it must answer with the address it saw)"),
  ).action((ids: string[], opts: { country?: string; sample?: number; echoUrl?: string; json?: boolean }) =>
    respond(io, opts, async (out: Output) => {
      if (opts.country && !/^[A-Za-z]{2}$/.test(opts.country)) throw new CliError('--country must be an ISO 3166-1 alpha-2 code');
      if (ids.length && (opts.country || opts.sample)) throw new CliError('give ids, or --country/--sample, not both');
      const report = await testIps(client(), { ids, country: opts.country, sample: opts.sample, echoUrl: opts.echoUrl }, (done, total) =>
        out.progress(`Testing IPs: ${done}/${total}`),
      ).finally(() => out.progressDone());
      if (report.results.length === 0 && !Object.keys(report.notAvailable).length) {
        out.shortfall(report, () => 'No IPs match.');
        return EXIT.rejected;
      }
      out.result(report, formatIpTestReport);
      // A failed probe is the operator's news: scripts see it in the exit code.
      return report.failed ? EXIT.rejected : EXIT.ok;
    }),
  );
}
