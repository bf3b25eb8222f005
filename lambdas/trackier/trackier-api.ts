/**
 * The Trackier API behind one adapter: endpoint paths (in one table, with what was confirmed),
 * the X-Api-Key header, per-request timeouts, backoff on 429/5xx honouring Retry-After, and a
 * minimum spacing between campaign creations (Trackier rate-limits bursts of creations).
 *
 * Endpoint provenance (checked against Trackier's published documentation, trackier/docs-v1 and
 * api-docs.trackier.co/v1, Nov 2026):
 *   CONFIRMED  `X-Api-Key: <key>` header authenticates every network API call.
 *   CONFIRMED  v1: `POST /campaign` creates (title, url, advertiser_id, …), `POST /campaign/{id}`
 *              edits (action basic_info with url), `GET /campaign/{id}` reads.
 *   ASSUMED    v2 (what we call): `POST /v2/campaigns` with { title, url, advertiserId, status },
 *              `POST /v2/campaigns/{id}` with { url }, `GET /v2/campaigns?search=<title>`. These are
 *              the paths the earlier system and public client code use against api.trackier.com, but
 *              we found no published v2 reference to check them (or the response shape) against.
 *              The response parser below therefore accepts both the v1 and the v2 shapes.
 * Switching to the documented v1 paths is a change to TRACKIER_ENDPOINTS only.
 */
import { inspect } from 'node:util';
import { z } from 'zod';
import type { SecretSource } from '../shared/provider-credentials';
import { cachedPromise } from '../shared/cached-promise';

export interface EndpointDef {
  readonly method: 'GET' | 'POST';
  readonly path: (id?: string) => string;
  readonly provenance: 'confirmed' | 'assumed';
}

export const TRACKIER_ENDPOINTS = {
  createCampaign: { method: 'POST', path: () => '/v2/campaigns', provenance: 'assumed' },
  updateCampaign: { method: 'POST', path: (id) => `/v2/campaigns/${encodeURIComponent(id ?? '')}`, provenance: 'assumed' },
  getCampaign: { method: 'GET', path: (id) => `/v2/campaigns/${encodeURIComponent(id ?? '')}`, provenance: 'assumed' },
  searchCampaigns: { method: 'GET', path: () => '/v2/campaigns', provenance: 'assumed' },
} as const satisfies Record<string, EndpointDef>;

/** The header name is documented (CONFIRMED). */
export const API_KEY_HEADER = 'X-Api-Key';

/** The create body (ASSUMED v2 field names; v1 documents advertiser_id, so both are sent). */
export function createCampaignBody(input: CreateCampaignInput): Record<string, unknown> {
  return {
    title: input.title,
    url: input.url,
    advertiserId: input.advertiserId,
    advertiser_id: input.advertiserId,
    status: 'active',
    description: 'Managed by Tracepool',
  };
}

export const updateCampaignBody = (url: string): Record<string, unknown> => ({ url });

// ---------------------------------------------------------------------------------------------
// Errors

export type TrackierErrorKind = 'http' | 'timeout' | 'network' | 'bad_response';

export class TrackierApiError extends Error {
  override readonly name = 'TrackierApiError';
  constructor(
    message: string,
    readonly kind: TrackierErrorKind,
    readonly status?: number,
    /** Delay the server asked for (Retry-After), ms. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
  /** 408, 429, 5xx, timeouts and connection failures are transient; any other answer is final. */
  get retryable(): boolean {
    return isRetryable(this.kind, this.status);
  }
}

export function isRetryable(kind: TrackierErrorKind, status?: number): boolean {
  if (kind === 'timeout' || kind === 'network') return true;
  if (kind === 'bad_response') return false;
  return status === 408 || status === 429 || (status !== undefined && status >= 500 && status <= 599);
}

/** Retry-After as delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

// ---------------------------------------------------------------------------------------------
// Credentials (Secrets Manager JSON { "baseUrl", "apiKey" }), cached with a TTL, never printed.

const REDACTED = '[redacted]';

export class TrackierCredentials {
  readonly #apiKey: string;
  constructor(
    readonly baseUrl: string,
    apiKey: string,
  ) {
    this.#apiKey = apiKey;
  }
  get apiKey(): string {
    return this.#apiKey;
  }
  toJSON(): Record<string, string> {
    return { baseUrl: this.baseUrl, apiKey: REDACTED };
  }
  [inspect.custom](): string {
    return `TrackierCredentials(${this.baseUrl}, apiKey: ${REDACTED})`;
  }
}

export class TrackierConfigError extends Error {
  override readonly name = 'TrackierConfigError';
}

const secretSchema = z.object({
  baseUrl: z.string().refine((value) => {
    try {
      const url = new URL(value);
      const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost';
      return (url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) && !url.username && !url.password;
    } catch {
      return false;
    }
  }),
  apiKey: z.string().min(1),
});

export type CredentialsProvider = () => Promise<TrackierCredentials>;

export function trackierCredentialsFromSecret(deps: { source: SecretSource; clock: () => number }, config: { secretId: string; ttlMs?: number }): CredentialsProvider {
  const ttlMs = config.ttlMs ?? 300_000;
  const load = async (): Promise<TrackierCredentials> => {
    const raw = await deps.source.getSecretString(config.secretId);
    if (raw === undefined) throw new TrackierConfigError('the Trackier secret does not exist');
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new TrackierConfigError('the Trackier secret is not JSON'); // no parser message: it may quote the key
    }
    const parsed = secretSchema.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.code}`).join('; ');
      throw new TrackierConfigError(`the Trackier secret is malformed (${issues})`);
    }
    return new TrackierCredentials(parsed.data.baseUrl.replace(/\/+$/, ''), parsed.data.apiKey);
  };
  return cachedPromise(load, ttlMs, deps.clock);
}

// ---------------------------------------------------------------------------------------------
// The client

export interface CreateCampaignInput {
  readonly title: string;
  readonly url: string;
  readonly advertiserId: string;
}

export interface TrackierApi {
  createCampaign(input: CreateCampaignInput): Promise<{ campaignId: string }>;
  updateCampaignUrl(campaignId: string, url: string, options?: { maxAttempts?: number }): Promise<void>;
  /** A campaign with exactly this title, if the API can tell (used to resume a crashed creation). */
  findCampaignByTitle(title: string): Promise<string | undefined>;
}

export interface TrackierClientOptions {
  /** Minimum spacing between two campaign creations. @default 500 */
  readonly minCreateIntervalMs?: number;
  /** @default 10000 */
  readonly requestTimeoutMs?: number;
  /** Attempts per call, including the first. @default 4 */
  readonly maxAttempts?: number;
  /** First backoff delay; doubles per attempt, with full jitter. @default 500 */
  readonly baseBackoffMs?: number;
  /** @default 8000 */
  readonly maxBackoffMs?: number;
  /** A Retry-After longer than this is not waited for inside the call: the error surfaces. @default 20000 */
  readonly maxRetryAfterMs?: number;
}

export interface TrackierClientDeps {
  readonly credentials: CredentialsProvider | (() => Promise<{ baseUrl: string; apiKey: string }>);
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly clock?: () => number;
  readonly random?: () => number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class TrackierClient implements TrackierApi {
  private readonly fetchFn: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly clock: () => number;
  private readonly random: () => number;
  private readonly opts: Required<TrackierClientOptions>;
  /** When the last creation was answered; the next waits until this + minCreateIntervalMs. */
  private lastCreateAt = -Infinity;
  /** Serializes creations, so the spacing holds under concurrent callers too. */
  private createChain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: TrackierClientDeps,
    options: TrackierClientOptions = {},
  ) {
    this.fetchFn = deps.fetch ?? fetch;
    this.sleep = deps.sleep ?? defaultSleep;
    this.clock = deps.clock ?? Date.now;
    this.random = deps.random ?? Math.random;
    this.opts = {
      minCreateIntervalMs: options.minCreateIntervalMs ?? 500,
      requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
      maxAttempts: options.maxAttempts ?? 4,
      baseBackoffMs: options.baseBackoffMs ?? 500,
      maxBackoffMs: options.maxBackoffMs ?? 8_000,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 20_000,
    };
  }

  createCampaign(input: CreateCampaignInput): Promise<{ campaignId: string }> {
    const run = this.createChain.then(() =>
      this.call(TRACKIER_ENDPOINTS.createCampaign, undefined, createCampaignBody(input), {
        beforeAttempt: () => this.spaceCreation(),
        // Spacing counts from the previous answer, not the previous send: the server sees the
        // gap between arrivals, which network jitter can shrink below a send-to-send interval.
        afterAttempt: () => {
          this.lastCreateAt = this.clock();
        },
      }),
    );
    this.createChain = run.catch(() => undefined);
    return run.then((body) => {
      const campaignId = campaignIdOf(body);
      if (!campaignId) throw new TrackierApiError('create campaign: no campaign id in the response', 'bad_response', 200);
      return { campaignId };
    });
  }

  async updateCampaignUrl(campaignId: string, url: string, options: { maxAttempts?: number } = {}): Promise<void> {
    await this.call(TRACKIER_ENDPOINTS.updateCampaign, campaignId, updateCampaignBody(url), options);
  }

  async findCampaignByTitle(title: string): Promise<string | undefined> {
    try {
      const body = await this.call(TRACKIER_ENDPOINTS.searchCampaigns, undefined, undefined, {
        query: { search: title, limit: '50', page: '1' },
        maxAttempts: 2,
      });
      const list = campaignListOf(body);
      const match = list.find((c) => c.title === title);
      return match?.id;
    } catch (error) {
      // Search is an assumed endpoint: a 4xx means "cannot tell", not "failed".
      if (error instanceof TrackierApiError && !error.retryable) return undefined;
      throw error;
    }
  }

  private async spaceCreation(): Promise<void> {
    const wait = this.lastCreateAt + this.opts.minCreateIntervalMs - this.clock();
    if (wait > 0) await this.sleep(wait);
  }

  private async call(
    endpoint: EndpointDef,
    id: string | undefined,
    body: Record<string, unknown> | undefined,
    options: {
      beforeAttempt?: () => Promise<void>;
      afterAttempt?: () => void;
      query?: Record<string, string>;
      maxAttempts?: number;
    } = {},
  ): Promise<unknown> {
    const credentials = await this.deps.credentials();
    const url = new URL(credentials.baseUrl.replace(/\/+$/, '') + endpoint.path(id));
    for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v);
    const maxAttempts = Math.max(1, options.maxAttempts ?? this.opts.maxAttempts);
    let lastError: TrackierApiError | undefined;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      await options.beforeAttempt?.();
      try {
        return await this.once(endpoint.method, url, credentials.apiKey, body).finally(() => options.afterAttempt?.());
      } catch (error) {
        const apiError = toApiError(error);
        lastError = apiError;
        if (!apiError.retryable || attempt === maxAttempts) throw apiError;
        if (apiError.retryAfterMs !== undefined && apiError.retryAfterMs > this.opts.maxRetryAfterMs) throw apiError;
        const exp = Math.min(this.opts.maxBackoffMs, this.opts.baseBackoffMs * 2 ** (attempt - 1));
        const jittered = Math.round(exp / 2 + (this.random() * exp) / 2);
        await this.sleep(Math.max(jittered, apiError.retryAfterMs ?? 0));
      }
    }
    throw lastError ?? new TrackierApiError('unreachable', 'network');
  }

  private async once(method: string, url: URL, apiKey: string, body: Record<string, unknown> | undefined): Promise<unknown> {
    let res: Response;
    try {
      res = await this.fetchFn(url, {
        method,
        headers: {
          [API_KEY_HEADER]: apiKey,
          accept: 'application/json',
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(this.opts.requestTimeoutMs),
        redirect: 'error',
      });
    } catch (error) {
      const name = (error as Error)?.name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new TrackierApiError(`${method} ${url.pathname}: timed out after ${this.opts.requestTimeoutMs} ms`, 'timeout', 408);
      }
      throw new TrackierApiError(`${method} ${url.pathname}: ${(error as Error)?.message ?? 'network error'}`, 'network');
    }
    const text = await res.text().catch(() => '');
    if (!res.ok) {
      throw new TrackierApiError(
        `${method} ${url.pathname}: HTTP ${res.status} ${summarize(text)}`.trim(),
        'http',
        res.status,
        parseRetryAfter(res.headers.get('retry-after'), this.clock()),
      );
    }
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      throw new TrackierApiError(`${method} ${url.pathname}: response is not JSON`, 'bad_response', res.status);
    }
    if (json && typeof json === 'object' && (json as { success?: unknown }).success === false) {
      throw new TrackierApiError(`${method} ${url.pathname}: success=false ${summarize(text)}`, 'http', 400);
    }
    return json;
  }
}

function toApiError(error: unknown): TrackierApiError {
  return error instanceof TrackierApiError ? error : new TrackierApiError((error as Error)?.message ?? String(error), 'network');
}

/** At most 200 characters of an error body, control characters removed (it goes to logs). */
function summarize(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, 200);
}

type Loose = Record<string, unknown> | undefined;
const asObject = (v: unknown): Loose => (v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined);
const idString = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined);

/** The campaign id out of a v2 ({ campaign: { id } }) or v1 ({ data: { campaign: { display_id, _id } } }) answer. */
export function campaignIdOf(body: unknown): string | undefined {
  const root = asObject(body);
  const campaign = asObject(root?.campaign) ?? asObject(asObject(root?.data)?.campaign);
  return idString(campaign?.id) ?? idString(campaign?.display_id) ?? idString(campaign?._id);
}

function campaignListOf(body: unknown): { id: string; title: string }[] {
  const root = asObject(body);
  const list = root?.campaigns ?? asObject(root?.data)?.campaigns ?? [];
  if (!Array.isArray(list)) return [];
  return list.flatMap((c) => {
    const o = asObject(c);
    const id = idString(o?.id) ?? idString(o?.display_id) ?? idString(o?._id);
    return id && typeof o?.title === 'string' ? [{ id, title: o.title }] : [];
  });
}
