// The stable trace result (what `tracepool trace --json` prints; operators script against it) and the options every tracer mode shares.
import type { Truncation } from './limits';

export type TraceOutcome = 'resolved' | 'loop' | 'too_many_hops' | 'timeout' | 'blocked' | 'error';
export type TraceMode = 'http' | 'browser';
export type HopKind = 'start' | 'http' | 'refresh-header' | 'meta-refresh' | 'js' | 'browser';

/**
 * One URL of the chain. `kind` says how the tracer got to this URL (`start` for the first one),
 * `status` is the HTTP status the URL answered with (0 when it was never fetched: an app deep
 * link, a blocked hop or a hop that timed out), `ms` the time that URL took.
 */
export interface Hop {
  url: string;
  status: number;
  kind: HopKind;
  ms: number;
}

export interface AdsCompatibility {
  ok: boolean;
  reasons: string[];
}

/** Click-id parameters followed through the chain (see click-ids.ts). */
export interface ClickIdReport {
  /** Every parameter name that was tracked (the standard click ids plus the offer's sub-ids). */
  tracked: string[];
  /** For each hop (same index as `hops`), the tracked names present in that hop's URL. */
  perHop: string[][];
  /** Tracked names present in the final URL. */
  survived: string[];
  /** Tracked names seen at some hop but missing from the final URL. */
  lost: string[];
}

/**
 * Why a trace failed, for the pipeline: only `proxy` failures count against a leased IP.
 * - proxy: could not connect to or authenticate with the proxy (407, CONNECT refused, proxy socket error)
 * - offer: the chain itself is bad (upstream 4xx/5xx, garbage response or Location, loop, too many hops,
 *   unsupported scheme, redirect into a forbidden address)
 * - network: DNS, TLS or timeout towards the target
 * - internal: a bug or an environment problem on our side (browser failed to start…)
 */
export type ErrorClass = 'proxy' | 'offer' | 'network' | 'internal';

export interface TraceError {
  class: ErrorClass;
  message: string;
}

export interface TraceResult {
  outcome: TraceOutcome;
  finalUrl: string;
  params: Record<string, string>;
  mode: TraceMode;
  hops: Hop[];
  adsCompatibility: AdsCompatibility;
  clickIds: ClickIdReport;
  proxyBytes: number;
  ms: number;
  error?: TraceError;
  /** Set when something the pages sent was too large to keep whole (limits.ts). */
  truncated?: Truncation;
}

export interface ProxyConfig {
  /** e.g. http://10.0.0.5:8080 (credentials may be given here or separately). */
  url: string;
  username?: string;
  password?: string;
}

export type Device = 'desktop' | 'mobile';

/** Monotonic milliseconds; injectable so tests and benchmarks control time measurement. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => performance.now() };

/** Options shared by the HTTP and browser tracers. */
export interface TracerOptions {
  proxy?: ProxyConfig;
  device?: Device;
  /** ISO 3166 alpha-2, drives Accept-Language. */
  country?: string;
  /** Let the chain reach loopback/private/link-local addresses (local stack and tests only). */
  allowPrivate?: boolean;
  /** Narrower than allowPrivate: CIDRs exempted from the SSRF guard, e.g. ['127.0.0.1/32']. */
  allowAddresses?: string[];
  /** Offer-supplied sub-id parameter names tracked next to the standard click ids. */
  clickIdParams?: string[];
  hopTimeoutMs?: number;
  deadlineMs?: number;
  maxHops?: number;
  clock?: Clock;
  /** Extra trusted CA certificates (PEM) for HTTPS targets: tests and private CAs. */
  tlsCa?: string | string[];
}

export const DEFAULTS = {
  hopTimeoutMs: 10_000,
  deadlineMs: 25_000,
  maxHops: 20,
  /**
   * Never read more than this much of a response body (decompressed). A page cut here goes to the
   * browser (its end could still change where it leads), so it is generous: redirectors are small,
   * but some carry hundreds of KB of inline script before the redirect.
   */
  maxBodyBytes: 1024 * 1024,
} as const;
