/**
 * One request to an "echo" URL through a proxy: a service that answers with the address (and often
 * the country) it saw the request come from. It tells whether a pool IP works, how fast it is, and
 * where it really exits. The request goes through the trace's own dispatcher and SSRF guard, so a
 * probe fails exactly where a trace through that IP would, and is classified the same way.
 */
import { isIP } from 'node:net';
import { request } from 'undici';
import { createTraceDispatcher } from './dispatcher';
import { classifyError, type Failure } from './failure';
import { assertProxiedHostAllowed, assertUrlAllowed, type SsrfPolicy } from './ssrf-guard';
import { readBodyText } from './body-reader';
import type { ProxyConfig } from './types';

/** An echo answer is a few hundred bytes; more is not an echo service. */
const MAX_ECHO_BYTES = 16 * 1024;

export interface EchoProbeOptions {
  readonly proxy: ProxyConfig;
  readonly policy: SsrfPolicy;
  readonly timeoutMs: number;
  /** Monotonic milliseconds, for the latency. */
  readonly now?: () => number;
}

export interface EchoSeen {
  /** The address the echo saw the request come from: the proxy's exit. */
  readonly exitAddress?: string;
  /** ISO 3166-1 alpha-2, lower case, when the echo reports one. */
  readonly exitCountry?: string;
}

export type EchoProbeResult =
  | ({ readonly ok: true; readonly latencyMs: number; readonly status: number; readonly proxyBytes: number } & EchoSeen)
  | { readonly ok: false; readonly latencyMs: number; readonly proxyBytes: number; readonly failure: Failure };

const ADDRESS_FIELDS = ['ip', 'query', 'origin', 'address', 'ip_addr', 'clientIp'] as const;
const COUNTRY_FIELDS = ['country', 'countryCode', 'country_code', 'cc'] as const;

/**
 * What an echo answer says: JSON with one of the usual field names (`ip`, `query`, `origin`… and
 * `country`, `countryCode`…), or a bare address as text. Unrecognised answers say nothing.
 */
export function parseEchoAnswer(text: string): EchoSeen {
  const trimmed = text.trim();
  if (isIP(trimmed)) return { exitAddress: trimmed };
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return {};
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const record = value as Record<string, unknown>;
  // `origin` may list several addresses ("a, b" behind proxies): the first is the client's.
  const address = ADDRESS_FIELDS.map((k) => record[k])
    .filter((v): v is string => typeof v === 'string')
    .map((v) => v.split(',')[0]!.trim())
    .find((v) => isIP(v) !== 0);
  const country = COUNTRY_FIELDS.map((k) => record[k]).find((v): v is string => typeof v === 'string' && /^[A-Za-z]{2}$/.test(v.trim()));
  return { ...(address ? { exitAddress: address } : {}), ...(country ? { exitCountry: country.trim().toLowerCase() } : {}) };
}

/** GETs the echo URL through the proxy and reads what it saw. Never throws. */
export async function probeEcho(echoUrl: string, options: EchoProbeOptions): Promise<EchoProbeResult> {
  const now = options.now ?? (() => performance.now());
  const started = now();
  let disp: ReturnType<typeof createTraceDispatcher> | undefined;
  try {
    disp = createTraceDispatcher({ proxy: options.proxy, policy: options.policy, connectTimeoutMs: options.timeoutMs });
    const url = new URL(echoUrl);
    assertUrlAllowed(url, options.policy);
    await assertProxiedHostAllowed(url.hostname, options.policy);
    const signal = AbortSignal.timeout(options.timeoutMs);
    const res = await request(url, {
      dispatcher: disp.dispatcher,
      method: 'GET',
      headers: { accept: 'application/json, text/plain;q=0.9', 'accept-encoding': 'gzip, deflate, br' },
      signal,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
    const header = (name: string) => {
      const v = res.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const body = await readBodyText(res.body, { maxBytes: MAX_ECHO_BYTES, contentEncoding: header('content-encoding'), contentType: header('content-type') });
    if (body.truncated) res.body.destroy();
    const latencyMs = Math.round(now() - started);
    if (res.statusCode < 200 || res.statusCode >= 300) {
      return {
        ok: false,
        latencyMs,
        proxyBytes: disp.proxyBytes(),
        failure: { outcome: 'error', class: 'network', message: `the echo answered ${res.statusCode}` },
      };
    }
    return { ok: true, latencyMs, status: res.statusCode, proxyBytes: disp.proxyBytes(), ...parseEchoAnswer(body.text) };
  } catch (error) {
    const failure = classifyError(error, disp?.proxyEndpoint ? { proxy: disp.proxyEndpoint } : {});
    return { ok: false, latencyMs: Math.round(now() - started), proxyBytes: disp?.proxyBytes() ?? 0, failure };
  } finally {
    await disp?.close().catch(() => undefined);
  }
}
