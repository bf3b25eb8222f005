/**
 * What GET /health reports: uptime and the ingest path's dependency — the Events queue reachable.
 * A probe may hit /health every few seconds, so the check is cached (one GetQueueAttributes per
 * container per `ttlMs`, not per request). The geo database is not checked here: it ships inside
 * the aggregator's package, and a copy in this function's would say nothing about that one (the
 * infra test test/infra/asset-architecture.test.ts opens the aggregator's asset instead).
 */

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

export interface HealthDeps {
  readonly queue?: CachedCheck;
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
  const entries = await Promise.all(Object.entries({ events_queue: deps.queue }).flatMap(([name, check]) => (check ? [check.get().then((r) => [name, r] as const)] : [])));
  const dependencies = Object.fromEntries(entries);
  return {
    status: entries.every(([, r]) => r.ok) ? 'ok' : 'degraded',
    service: 'tracepool',
    time: new Date((deps.now ?? Date.now)()).toISOString(),
    uptime_s: Math.round((deps.uptimeSeconds ?? process.uptime)()),
    dependencies,
  };
}
