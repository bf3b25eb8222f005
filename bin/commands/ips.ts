/**
 * `tracepool ips import <file>`, `ips list`, `ips reset-health [ids...]`; `ips test` is ips-test.ts.
 *
 * The admin API contract these commands rely on is documented beside its handler,
 * lambdas/admin/ips.handler.ts.
 *
 * The CLI splits big files into chunks and maps each rejection back to the line of the original
 * file through `index`, so operators see their own line numbers. A string body is sent verbatim.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Option, type Command } from 'commander';
import type { AdminClient } from './admin-client';
import { positiveInteger } from './arguments';
import { registerIpsTestCommand } from './ips-test';
import { CliError, EXIT, apiError, processIo, respond, table, withJson, type Io } from './output';
import { csvLine, parseCsv } from '../../lambdas/lease/csv';
import { jsonRecordLines } from '../../lambdas/lease/ip-import';
import { IP_STATES } from '../../lambdas/lease/ip-item';

export const IMPORT_CHUNK = 200;

export interface ImportResponse {
  readonly accepted: number;
  readonly upserted: number;
  readonly created?: number;
  readonly updated?: number;
  readonly rejected: { line: number; index?: number; reason: string }[];
}

interface Chunk {
  readonly body: unknown;
  readonly contentType: string;
  /** Original file line of each record in the chunk, by index. */
  readonly lines: number[];
  /** Original line to report a file-level problem of this chunk at (the CSV header). */
  readonly fileLine: number;
}

export interface PreparedImport {
  readonly total: number;
  readonly chunks: Chunk[];
  /** Problems found before sending (unreadable file, CSV syntax), with original line numbers. */
  readonly rejected: { line: number; reason: string }[];
}

/** Splits a file into request bodies, remembering where each record came from. */
export function prepareImport(text: string, fileName: string, chunkSize = IMPORT_CHUNK): PreparedImport {
  const trimmed = text.replace(/^\uFEFF/, '').trimStart();
  const json = /\.json$/i.test(fileName) || (!/\.csv$/i.test(fileName) && (trimmed.startsWith('[') || trimmed.startsWith('{')));
  const chunks: Chunk[] = [];
  if (json) {
    let value: unknown;
    try {
      value = JSON.parse(text.replace(/^\uFEFF/, ''));
    } catch (error) {
      const message = (error instanceof Error ? error.message : String(error)).split(', "')[0];
      return { total: 0, chunks, rejected: [{ line: 1, reason: `invalid JSON: ${message}` }] };
    }
    const list = Array.isArray(value) ? value : (value as { ips?: unknown } | null)?.ips;
    if (!Array.isArray(list)) {
      return { total: 0, chunks, rejected: [{ line: 1, reason: 'expected a JSON array of records or { "ips": [...] }' }] };
    }
    const lines = jsonRecordLines(text);
    for (let at = 0; at < list.length; at += chunkSize) {
      chunks.push({
        body: list.slice(at, at + chunkSize),
        contentType: 'application/json',
        lines: list.slice(at, at + chunkSize).map((_, i) => lines[at + i] ?? 1),
        fileLine: 1,
      });
    }
    return { total: list.length, chunks, rejected: [] };
  }

  const { rows, errors } = parseCsv(text);
  const [header, ...data] = rows;
  if (!header) return { total: 0, chunks, rejected: errors.length ? errors : [{ line: 1, reason: 'no header row' }] };
  for (let at = 0; at < data.length; at += chunkSize) {
    const part = data.slice(at, at + chunkSize);
    chunks.push({
      body: [csvLine(header.fields), ...part.map((r) => csvLine(r.fields))].join('\n') + '\n',
      contentType: 'text/csv',
      lines: part.map((r) => r.line),
      fileLine: header.line,
    });
  }
  return { total: data.length + errors.length, chunks, rejected: errors };
}

/** A single self-overwriting status line on a terminal; silent when piped. */
function progressLine(stream: NodeJS.WriteStream) {
  return {
    update(text: string) {
      if (stream.isTTY) stream.write(`\r${text.slice(0, (stream.columns || 80) - 1)}\x1b[K`);
    },
    done() {
      if (stream.isTTY) stream.write('\r\x1b[K');
    },
  };
}

export interface ImportSummary {
  readonly total: number;
  readonly accepted: number;
  readonly upserted: number;
  readonly created: number;
  readonly updated: number;
  readonly rejected: { line: number; reason: string }[];
}

export async function importIps(
  admin: AdminClient,
  text: string,
  fileName: string,
  onProgress: (done: number, total: number, summary: ImportSummary) => void = () => undefined,
): Promise<ImportSummary> {
  const prepared = prepareImport(text, fileName);
  let accepted = 0;
  let upserted = 0;
  let created = 0;
  let updated = 0;
  let done = 0;
  const rejected = [...prepared.rejected];
  const summary = (): ImportSummary => ({ total: prepared.total, accepted, upserted, created, updated, rejected });
  for (const chunk of prepared.chunks) {
    const res = await admin.request<ImportResponse>('POST', '/admin/ips', chunk.body, chunk.contentType);
    if (res.status !== 200) throw apiError('import', res);
    accepted += res.body.accepted;
    upserted += res.body.upserted;
    created += res.body.created ?? 0;
    updated += res.body.updated ?? 0;
    const fileLevel = res.body.rejected.filter((r) => r.index === undefined);
    for (const r of res.body.rejected) {
      if (r.index !== undefined) rejected.push({ line: chunk.lines[r.index] ?? chunk.fileLine, reason: r.reason });
    }
    if (fileLevel.length) {
      // e.g. a bad header: every chunk would fail the same way, so report it once and stop.
      rejected.push(...fileLevel.map((r) => ({ line: chunk.fileLine, reason: r.reason })));
      break;
    }
    done += chunk.lines.length;
    onProgress(done, prepared.total, summary());
  }
  rejected.sort((a, b) => a.line - b.line);
  return summary();
}

interface IpRow {
  ipId: string;
  host: string;
  port: number;
  provider: string;
  country: string;
  state: string;
  fence: number;
  successCount: number;
  failureCount: number;
  consecutiveFailures: number;
  leaseOwner?: string;
}

export function formatIpTable(ips: IpRow[]): string {
  const head = ['IP ID', 'ENDPOINT', 'PROVIDER', 'CC', 'STATE', 'FENCE', 'OK', 'FAIL', 'CONSEC', 'LEASED BY'];
  const rows = ips.map((ip) => [
    ip.ipId,
    `${ip.host.includes(':') ? `[${ip.host}]` : ip.host}:${ip.port}`,
    ip.provider,
    ip.country,
    ip.state,
    String(ip.fence),
    String(ip.successCount),
    String(ip.failureCount),
    String(ip.consecutiveFailures),
    ip.state === 'leased' ? (ip.leaseOwner ?? '') : '',
  ]);
  return table(head, rows).join('\n');
}

async function readImportFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

export function registerIpsCommands(program: Command, client: () => AdminClient, io: Io = processIo): void {
  const ips = program.command('ips').description('manage the pool of proxy IPs');
  registerIpsTestCommand(ips, client, io);

  withJson(
    ips.command('import <file>').description('import proxy endpoints from a JSON (array or {"ips": [...]}) or CSV file (host,port,country,provider[,ipId][,enabled])'),
  ).action((file: string, opts: { json?: boolean }) =>
    respond(io, opts, async (out) => {
      const text = await readImportFile(file);
      const progress = progressLine(process.stderr);
      const result = await importIps(client(), text, path.basename(file), (done, total, s) =>
        progress.update(
          `Importing ${path.basename(file)}: ${done}/${total} (${Math.round((done / Math.max(1, total)) * 100)}%)  accepted ${s.accepted}  rejected ${s.rejected.length}`,
        ),
      ).finally(() => progress.done());
      out.result(result, (r) =>
        [
          `${file}: ${r.accepted} of ${r.total} accepted (${r.created} new, ${r.updated} updated), ${r.rejected.length} rejected`,
          ...r.rejected.map((x) => `  line ${x.line}: ${x.reason}`),
        ].join('\n'),
      );
      // Good lines are kept; the exit code flags the bad ones.
      return result.rejected.length ? EXIT.rejected : EXIT.ok;
    }),
  );

  withJson(
    ips
      .command('list')
      .description('list the IPs with their state')
      .option('--country <cc>', 'only this country (ISO 3166-1 alpha-2)')
      .addOption(new Option('--state <state>', 'only this state').choices([...IP_STATES]))
      .option('--limit <n>', 'at most this many', positiveInteger('--limit')),
  ).action((opts: { country?: string; state?: string; limit?: number; json?: boolean }) =>
    respond(io, opts, async (out) => {
      const query = new URLSearchParams();
      if (opts.country) query.set('country', opts.country.toLowerCase());
      if (opts.state) query.set('state', opts.state);
      if (opts.limit) query.set('limit', String(opts.limit));
      const qs = query.toString();
      const res = await client().request<{ ips: IpRow[] }>('GET', `/admin/ips${qs ? `?${qs}` : ''}`);
      if (res.status !== 200) throw apiError('ips list', res);
      out.result(res.body.ips, (list) => (list.length ? formatIpTable(list) : 'No IPs match.'));
    }),
  );

  withJson(ips.command('reset-health [ids...]').description('mark IPs healthy again and put them back in the pool (all unhealthy ones when no id is given)')).action(
    (ids: string[], opts: { json?: boolean }) =>
      respond(io, opts, async (out) => {
        const res = await client().request<{ reset: number; notFound?: string[] }>('POST', '/admin/ips/reset-health', ids.length ? { ids } : {}, 'application/json');
        if (res.status !== 200) throw apiError('ips reset-health', res);
        out.result(res.body, (b) => `Reset health of ${b.reset} IP(s).`);
        if (!res.body.notFound?.length) return EXIT.ok;
        out.note(`Not found: ${res.body.notFound.join(', ')}`);
        return EXIT.rejected;
      }),
  );
}
