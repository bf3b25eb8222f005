/**
 * What GET /health reports: uptime and the analytics dependencies — the Events queue reachable,
 * the geo database present and well-formed. A probe may hit /health every few seconds, so each
 * dependency check is cached (one GetQueueAttributes per container per `ttlMs`, not per request)
 * and the geo check reads only the database's metadata tail, never the 60 MB file.
 */
import { open, stat } from 'node:fs/promises';

export interface CheckResult {
  readonly ok: boolean;
  readonly error?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export type Checked = CheckResult & { readonly checkedAt: string };

/** One dependency check, run at most once per `ttlMs`; concurrent callers share the run in flight. */
export class CachedCheck {
  private last?: { at: number; value: Promise<Checked> };

  constructor(
    private readonly check: () => Promise<CheckResult>,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(): Promise<Checked> {
    const now = this.now();
    if (this.last && now - this.last.at < this.ttlMs) return this.last.value;
    // A failure is cached as long as a success: an outage must not multiply the calls.
    const value = this.check().then(
      (r) => ({ ...r, checkedAt: new Date(now).toISOString() }),
      (error: unknown) => ({ ok: false, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error), checkedAt: new Date(now).toISOString() }),
    );
    this.last = { at: now, value };
    return value;
  }
}

/** The part of the lean SQS client the queue check uses. */
export interface QueueAttributesClient {
  call<T>(operation: string, input: object): Promise<T>;
}

export function queueCheck(sqs: QueueAttributesClient, queueUrl: string): () => Promise<CheckResult> {
  return async () => {
    const out = await sqs.call<{ Attributes?: Record<string, string> }>('GetQueueAttributes', { QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] });
    return { ok: true, details: { depth: Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) } };
  };
}

// An mmdb file ends with its metadata, introduced by this marker within the last 128 KiB.
const MMDB_MARKER = Buffer.from('\xab\xcd\xefMaxMind.com', 'latin1');
const MMDB_TAIL = 128 * 1024;

/** Each file present and carrying the mmdb metadata marker: what the aggregator's reader needs to load it. */
export function geoDbCheck(files: readonly string[]): () => Promise<CheckResult> {
  return async () => {
    const sizes: Record<string, number> = {};
    for (const file of files) {
      const { size } = await stat(file);
      const handle = await open(file, 'r');
      try {
        const length = Math.min(size, MMDB_TAIL);
        const tail = Buffer.alloc(length);
        await handle.read(tail, 0, length, size - length);
        if (tail.lastIndexOf(MMDB_MARKER) < 0) return { ok: false, error: `${file}: not an mmdb database` };
      } finally {
        await handle.close();
      }
      sizes[file.slice(file.lastIndexOf('/') + 1)] = Math.round(size / 1e6);
    }
    return { ok: true, details: { files_mb: sizes } };
  };
}

export interface HealthDeps {
  readonly queue?: CachedCheck;
  readonly geo?: CachedCheck;
  /** Seconds since the process started. */
  readonly uptimeSeconds?: () => number;
  readonly now?: () => number;
}

export interface HealthReport {
  readonly status: 'ok' | 'degraded';
  readonly service: 'tracepool';
  readonly time: string;
  readonly uptime_s: number;
  readonly dependencies: Record<string, Checked>;
}

export async function healthReport(deps: HealthDeps): Promise<HealthReport> {
  const entries = await Promise.all(
    Object.entries({ events_queue: deps.queue, geo_database: deps.geo }).flatMap(([name, check]) => (check ? [check.get().then((r) => [name, r] as const)] : [])),
  );
  const dependencies = Object.fromEntries(entries);
  return {
    status: entries.every(([, r]) => r.ok) ? 'ok' : 'degraded',
    service: 'tracepool',
    time: new Date((deps.now ?? Date.now)()).toISOString(),
    uptime_s: Math.round((deps.uptimeSeconds ?? process.uptime)()),
    dependencies,
  };
}
