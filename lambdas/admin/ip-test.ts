/**
 * The operator's probe of pool IPs (`tracepool ips test`): each IP is leased as a trace would lease
 * it, an echo URL is fetched through it, and the lease is handed back.
 *
 * - An IP that is not available now (leased, cooling down, unhealthy, disabled) is not touched: a
 *   probe never shares an IP with a trace, and the answer says why it was skipped.
 * - A failure counts against the IP exactly as it would after a trace: only a proxy failure does
 *   (refused credentials, the proxy unreachable or timing out), and the release that records it is
 *   the trace's own — the IP cools down, and the failure that reaches the threshold marks it unhealthy.
 * - Anything else (the echo down or answering an error, the target unreachable behind the proxy)
 *   says nothing about the IP: the lease goes back untouched, as does a success — a probe is not a
 *   trace, so it neither adds to the IP's success count nor makes it cool down.
 */
import { randomUUID } from 'node:crypto';
import type { Lease, LeasePool, NamedLease } from '../lease/lease-pool';
import { proxyUrl, type ProviderCredentialsResolver } from '../shared/provider-credentials';
import { BadRequestError } from '../shared/errors';
import type { EchoProbeOptions, EchoProbeResult } from '../tracer/echo-probe';
import type { ErrorClass } from '../tracer/types';

/** IPs per request: ten probes at their timeout still answer inside API Gateway's 30 s. */
export const MAX_IPS_PER_TEST = 10;

export interface IpTestDeps {
  readonly pool: Pick<LeasePool, 'leaseIp' | 'release' | 'giveBack'>;
  readonly credentials: ProviderCredentialsResolver;
  readonly probe: (url: string, options: EchoProbeOptions) => Promise<EchoProbeResult>;
  readonly config: {
    readonly echoUrl: string;
    readonly timeoutMs: number;
    /** Only the local stack: its proxies and echo live on loopback. */
    readonly allowPrivate: boolean;
  };
}

export interface IpTestRequest {
  readonly ids: readonly string[];
  /** Another echo than the deployment's, for this request only. */
  readonly echoUrl?: string;
}

export type IpTestResult =
  | {
      readonly ipId: string;
      readonly tested: true;
      readonly ok: boolean;
      readonly host: string;
      readonly port: number;
      readonly provider: string;
      /** The country the pool files the IP under. */
      readonly country: string;
      readonly latencyMs: number;
      readonly proxyBytes: number;
      readonly exitAddress?: string;
      readonly exitCountry?: string;
      /** The echo's country against the pool's; absent when the echo reports none. */
      readonly countryMatches?: boolean;
      readonly failure?: { readonly class: ErrorClass; readonly message: string };
      /** The failure was counted against the IP (a proxy failure). */
      readonly counted: boolean;
      /** This failure reached the threshold: the IP is now unhealthy. */
      readonly markedUnhealthy: boolean;
    }
  | { readonly ipId: string; readonly tested: false; readonly skipped: Exclude<NamedLease, { lease: Lease }>['busy'] };

export interface IpTestSummary {
  readonly echoUrl: string;
  readonly results: readonly IpTestResult[];
  readonly tested: number;
  readonly ok: number;
  readonly failed: number;
  readonly skipped: number;
  readonly countryMismatches: number;
}

/** Checks a request body: 1–10 distinct ip ids, and an optional http(s) echo URL. */
export function parseIpTestRequest(body: unknown): IpTestRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequestError('expected a JSON object { "ids": [...] }');
  const { ids, echoUrl, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length) throw new BadRequestError(`unknown field ${unknown[0]} (known: ids, echoUrl)`);
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === 'string' && id.length > 0 && id.length <= 200)) {
    throw new BadRequestError('ids must be a non-empty list of ip ids');
  }
  if (ids.length > MAX_IPS_PER_TEST) throw new BadRequestError(`test at most ${MAX_IPS_PER_TEST} IPs per request (the CLI sends them in batches)`);
  if (echoUrl !== undefined) {
    let url: URL | undefined;
    try {
      url = typeof echoUrl === 'string' ? new URL(echoUrl) : undefined;
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) {
      throw new BadRequestError('echoUrl must be an absolute http(s) URL without credentials');
    }
  }
  return { ids: [...new Set(ids as string[])], ...(typeof echoUrl === 'string' ? { echoUrl } : {}) };
}

async function testOne(deps: IpTestDeps, ipId: string, echoUrl: string): Promise<IpTestResult> {
  const owner = `ip-test-${randomUUID()}`;
  const got = await deps.pool.leaseIp(ipId, owner);
  if (!('lease' in got)) return { ipId, tested: false, skipped: got.busy };
  const { lease } = got;
  let probed: EchoProbeResult;
  try {
    const credentials = await deps.credentials.get(lease.provider);
    probed = await deps.probe(echoUrl, {
      proxy: { url: proxyUrl(lease, credentials) },
      policy: { allowPrivate: deps.config.allowPrivate },
      timeoutMs: deps.config.timeoutMs,
    });
  } catch (error) {
    // The provider's secret is missing or malformed: the operator's to fix, not the IP's fault.
    probed = { ok: false, latencyMs: 0, proxyBytes: 0, failure: { outcome: 'error', class: 'internal', message: (error as Error).message } };
  }
  const counted = !probed.ok && probed.failure.class === 'proxy';
  let markedUnhealthy = false;
  if (counted) {
    const released = await deps.pool.release(lease, 'proxy_failure');
    markedUnhealthy = released.released && released.markedUnhealthy;
  } else {
    await deps.pool.giveBack(lease);
  }
  const seen = probed.ok ? { exitAddress: probed.exitAddress, exitCountry: probed.exitCountry } : {};
  return {
    ipId,
    tested: true,
    ok: probed.ok,
    host: lease.host,
    port: lease.port,
    provider: lease.provider,
    country: lease.country,
    latencyMs: probed.latencyMs,
    proxyBytes: probed.proxyBytes,
    ...(seen.exitAddress ? { exitAddress: seen.exitAddress } : {}),
    ...(seen.exitCountry ? { exitCountry: seen.exitCountry, countryMatches: seen.exitCountry === lease.country } : {}),
    ...(probed.ok ? {} : { failure: { class: probed.failure.class, message: probed.failure.message } }),
    counted,
    markedUnhealthy,
  };
}

/** Probes each IP (all at once: at most MAX_IPS_PER_TEST) and sums up. */
export async function testIps(deps: IpTestDeps, request: IpTestRequest): Promise<IpTestSummary> {
  const echoUrl = request.echoUrl ?? deps.config.echoUrl;
  const results = await Promise.all(request.ids.map((ipId) => testOne(deps, ipId, echoUrl)));
  const tested = results.filter((r) => r.tested);
  return {
    echoUrl,
    results,
    tested: tested.length,
    ok: tested.filter((r) => r.ok).length,
    failed: tested.filter((r) => !r.ok).length,
    skipped: results.length - tested.length,
    countryMismatches: tested.filter((r) => r.countryMatches === false).length,
  };
}
