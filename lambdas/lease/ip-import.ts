/**
 * Provisioning: parse an operator's JSON or CSV list of proxy endpoints, keep the good records,
 * report the bad ones with the line they start on, and upsert idempotently without ever touching
 * an existing IP's lease state (availableAt, lease*, fence, health, counters).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parseCsv } from './csv';
import { checkIpRecord, resolveRecordConfig, type IpRecord, type IpRecordConfig } from './ip-records';
import type { IpItem } from './ip-item';
import type { LeaseTables } from './lease-pool';
import { dynamoIpImportStore } from './ip-import-store';

export type ImportFormat = 'csv' | 'json';

export interface RejectedRecord {
  /** 1-based line in the submitted text where the record (or the problem) starts. */
  readonly line: number;
  /** 0-based position of the record among the submitted records (absent for file-level errors). */
  readonly index?: number;
  readonly reason: string;
}

export interface ImportParse {
  readonly accepted: IpRecord[];
  readonly rejected: RejectedRecord[];
}

export const CSV_COLUMNS = ['host', 'port', 'country', 'provider', 'ipId', 'enabled'] as const;
const REQUIRED_COLUMNS = ['host', 'port', 'country', 'provider'];

/** text/csv → csv, application/json → json; otherwise sniffed from the first character. */
export function importFormat(contentType: string | undefined, text: string): ImportFormat {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  if (type === 'text/csv') return 'csv';
  if (type === 'application/json') return 'json';
  const first = text.replace(/^\uFEFF/, '').trimStart()[0];
  return first === '[' || first === '{' ? 'json' : 'csv';
}

/** Validates records, rejecting a repeated ipId (the first occurrence wins). */
function collect(candidates: Iterable<{ raw: unknown; line: number; index: number }>, config: IpRecordConfig, rejected: RejectedRecord[]): IpRecord[] {
  const accepted: IpRecord[] = [];
  const seen = new Map<string, number>();
  for (const { raw, line, index } of candidates) {
    const check = checkIpRecord(raw, config);
    if (!check.ok) {
      rejected.push({ line, index, reason: check.reason });
      continue;
    }
    const first = seen.get(check.record.ipId);
    if (first !== undefined) {
      rejected.push({ line, index, reason: `duplicate of line ${first} (same ipId ${check.record.ipId})` });
      continue;
    }
    seen.set(check.record.ipId, line);
    accepted.push(check.record);
  }
  return accepted;
}

export function parseIpCsv(text: string, config: IpRecordConfig): ImportParse {
  const cfg = resolveRecordConfig(config);
  const { rows, errors } = parseCsv(text);
  const rejected: RejectedRecord[] = [];
  const [header, ...data] = rows;
  if (!header) {
    return { accepted: [], rejected: [...errors, ...(errors.length ? [] : [{ line: 1, reason: 'no header row' }])] };
  }
  const byLower = new Map<string, string>(CSV_COLUMNS.map((c) => [c.toLowerCase(), c]));
  const columns = header.fields.map((f) => byLower.get(f.trim().toLowerCase()));
  const problems: string[] = [];
  header.fields.forEach((f, i) => columns[i] === undefined && problems.push(`unknown column '${f}'`));
  const present = columns.filter((c): c is string => c !== undefined);
  if (new Set(present).size !== present.length) problems.push('a column appears twice');
  const missing = REQUIRED_COLUMNS.filter((c) => !present.includes(c));
  if (missing.length) problems.push(`missing column(s): ${missing.join(', ')}`);
  if (problems.length) {
    // Without a trustworthy header no row can be read: reject the file, not each row.
    return {
      accepted: [],
      rejected: [{ line: header.line, reason: `bad header (expected ${CSV_COLUMNS.join(',')}): ${problems.join('; ')}` }],
    };
  }

  const rowErrors = errors.filter((e) => e.line > header.line);
  rejected.push(...errors.filter((e) => e.line < header.line));
  let index = 0;
  const candidates: { raw: unknown; line: number; index: number }[] = [];
  // Parse errors and rows interleave by line, so indexes follow the file order.
  const events = [...data.map((row) => ({ line: row.line, row })), ...rowErrors.map((error) => ({ line: error.line, error }))].sort((a, b) => a.line - b.line);
  for (const event of events) {
    const at = index++;
    if ('error' in event) {
      rejected.push({ line: event.line, index: at, reason: event.error.reason });
      continue;
    }
    const { row } = event;
    if (row.fields.length !== columns.length) {
      rejected.push({ line: row.line, index: at, reason: `expected ${columns.length} fields, got ${row.fields.length}` });
      continue;
    }
    const raw: Record<string, string> = {};
    columns.forEach((c, i) => {
      if (c !== undefined && row.fields[i] !== '') raw[c] = row.fields[i]!;
    });
    candidates.push({ raw, line: row.line, index: at });
  }
  const accepted = collect(candidates, cfg, rejected);
  return { accepted, rejected: rejected.sort((a, b) => a.line - b.line) };
}

/**
 * 1-based start lines of the records of a JSON import (a top-level array, or the `ips` array of a
 * top-level object). Call only on text JSON.parse accepted.
 */
export function jsonRecordLines(text: string): number[] {
  type Frame = { array: boolean; target: boolean; expectElement: boolean; expectKey: boolean; key?: string };
  const stack: Frame[] = [];
  const lines: number[] = [];
  let line = 1;
  for (let i = 0; i < text.length;) {
    const ch = text[i]!;
    if (ch === '\n') line++;
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\uFEFF') {
      i++;
      continue;
    }
    const top = stack[stack.length - 1];
    if (top?.target && top.expectElement && ch !== ']') {
      lines.push(line);
      top.expectElement = false;
    }
    if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (top && !top.array && top.expectKey) {
        top.key = JSON.parse(text.slice(i, j + 1)) as string;
        top.expectKey = false;
      }
      i = j + 1; // JSON strings cannot hold raw line breaks, so no line counting inside
      continue;
    }
    if (ch === '[' || ch === '{') {
      const target = ch === '[' && (stack.length === 0 || (stack.length === 1 && !top!.array && top!.key === 'ips'));
      stack.push({ array: ch === '[', target, expectElement: target, expectKey: ch === '{' });
    } else if (ch === ']' || ch === '}') {
      stack.pop();
    } else if (ch === ',' && top) {
      if (top.target) top.expectElement = true;
      if (!top.array) top.expectKey = true;
    }
    i++;
  }
  return lines;
}

export function parseIpJson(text: string, config: IpRecordConfig): ImportParse {
  const cfg = resolveRecordConfig(config);
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    // V8 messages may quote the whole input: keep the first clause only. They carry a position
    // only sometimes; the line is 1 otherwise.
    const message = (error instanceof Error ? error.message : String(error)).split(', "')[0]!.slice(0, 200);
    const at = /position (\d+)/.exec(message);
    const line = at ? text.slice(0, Number(at[1])).split('\n').length : 1;
    return { accepted: [], rejected: [{ line, reason: `invalid JSON: ${message}` }] };
  }
  const list = Array.isArray(value)
    ? value
    : typeof value === 'object' && value !== null && Array.isArray((value as { ips?: unknown }).ips)
      ? (value as { ips: unknown[] }).ips
      : undefined;
  if (!list) return { accepted: [], rejected: [{ line: 1, reason: 'expected a JSON array of records or { "ips": [...] }' }] };
  const lines = jsonRecordLines(text);
  const rejected: RejectedRecord[] = [];
  const accepted = collect(
    list.map((raw, index) => ({ raw, index, line: lines[index] ?? 1 })),
    cfg,
    rejected,
  );
  return { accepted, rejected };
}

export function parseIpImport(text: string, format: ImportFormat, config: IpRecordConfig): ImportParse {
  return format === 'csv' ? parseIpCsv(text, config) : parseIpJson(text, config);
}

/** The writes of an import, on the pool and the country registry. */
export interface IpImportStore {
  /** Adds countries to the registry the any-country fallback of acquire reads. */
  registerCountries(countries: ReadonlySet<string>): Promise<void>;
  /** Creates the IP; false when it already exists. */
  create(item: IpItem): Promise<boolean>;
  /** Sets the operator's fields (host, port, provider, country, enabled) of an existing IP; its item after, undefined when it is gone. */
  updateOperatorFields(record: IpRecord, now: number): Promise<Partial<IpItem> | undefined>;
  /** Takes a disabled IP out of the free index, unless a live lease still holds it. */
  unlist(ipId: string, now: number): Promise<void>;
  /** Puts an enabled, healthy IP missing from the free index back in, free now. */
  relist(ipId: string, now: number): Promise<void>;
}

export interface IpImportDeps {
  readonly doc: DynamoDBDocumentClient;
  readonly tables: LeaseTables;
  readonly clock: () => number;
}

export interface UpsertResult {
  readonly upserted: number;
  readonly created: number;
  readonly updated: number;
}

async function upsertOne(store: IpImportStore, record: IpRecord, now: number): Promise<'created' | 'updated' | 'gone'> {
  const fresh: IpItem = {
    ...record,
    healthy: true,
    ...(record.enabled ? { availableAt: now } : {}), // new IPs are available at once
    fence: 0,
    successCount: 0,
    failureCount: 0,
    otherFailureCount: 0,
    consecutiveFailures: 0,
    createdAt: now,
    updatedAt: now,
  };
  if (await store.create(fresh)) return 'created';

  // Existing IP: only the operator's fields; its lease state stays exactly as it is.
  const item = await store.updateOperatorFields(record, now);
  if (!item) return 'gone'; // deleted between the two writes: nothing to update

  // Keep the index sparse across enable/disable, without cutting a live lease short.
  if (!record.enabled && item.availableAt !== undefined) await store.unlist(record.ipId, now);
  else if (record.enabled && item.healthy !== false && item.availableAt === undefined) await store.relist(record.ipId, now);
  return 'updated';
}

/** Runs `task` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const at = next++;
      results[at] = await task(items[at]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Idempotent upsert of validated records. New IPs start healthy, enabled as given, and available
 * now. Also grows the country registry the any-country fallback of acquire reads.
 */
export async function importIps(store: IpImportStore, records: readonly IpRecord[], now: number, concurrency = 16): Promise<UpsertResult> {
  if (!records.length) return { upserted: 0, created: 0, updated: 0 };
  await store.registerCountries(new Set(records.map((r) => r.country)));
  const outcomes = await mapLimit(records, concurrency, (record) => upsertOne(store, record, now));
  const created = outcomes.filter((o) => o === 'created').length;
  const updated = outcomes.filter((o) => o === 'updated').length;
  return { upserted: created + updated, created, updated };
}

/** importIps on the DynamoDB tables, at the clock's time. */
export async function upsertIps(deps: IpImportDeps, records: readonly IpRecord[], concurrency = 16): Promise<UpsertResult> {
  return importIps(dynamoIpImportStore(deps.doc, deps.tables), records, deps.clock(), concurrency);
}
