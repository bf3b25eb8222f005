// SSRF guard: a trace follows URLs chosen by third parties, so it must never reach our own
// network. Checked three ways: the URL's host literal (the WHATWG parser already turned
// 2130706433, 0x7f.1 and 0177.0.0.1 into 127.0.0.1), every address a name resolves to (custom
// lookup), and the address the socket actually connected to (defeats DNS rebinding).
import { BlockList, isIP, type LookupFunction, type Socket } from 'node:net';
import dns from 'node:dns';
import { classifyAddress } from '../shared/reserved-ranges';

// The reserved-range table and the IPv6 parsing live in the shared module, so the geo lookup
// refuses exactly the same addresses; re-exported because callers import it from here.
export { classifyAddress };

export class SsrfBlockedError extends Error {
  override readonly name = 'SsrfBlockedError';
  readonly code = 'ERR_SSRF_BLOCKED';
  constructor(
    readonly target: string,
    readonly reason: string,
  ) {
    super(`refused ${target}: ${reason}`);
  }
}

export interface SsrfPolicy {
  /** Allow every address (local stack and tests). */
  allowPrivate?: boolean;
  /** CIDRs or single addresses exempted from the guard, e.g. ['127.0.0.1/32']. */
  allowAddresses?: readonly string[];
}

type Family = 'ipv4' | 'ipv6';

function allowList(policy: SsrfPolicy): BlockList | null {
  if (!policy.allowAddresses?.length) return null;
  const list = new BlockList();
  for (const entry of policy.allowAddresses) {
    const [addr = '', bits] = entry.split('/');
    const family: Family = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(addr, family);
    else list.addSubnet(addr, Number(bits), family);
  }
  return list;
}

/** Applies a policy to one address: null when allowed. */
export function checkAddress(ip: string, policy: SsrfPolicy = {}): string | null {
  if (policy.allowPrivate) return null;
  const reason = classifyAddress(ip);
  if (!reason) return null;
  const allow = allowList(policy);
  const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
  if (allow?.check(ip, family)) return null;
  return reason;
}

/** A URL hostname without IPv6 brackets and trailing dot. */
export function bareHost(hostname: string): string {
  return hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
}

/**
 * Checks what can be known from the URL alone: IP literals (already normalized by the URL parser)
 * and names that always mean this machine. Throws SsrfBlockedError.
 */
export function assertUrlAllowed(url: URL, policy: SsrfPolicy = {}): void {
  if (policy.allowPrivate) return;
  const host = bareHost(url.hostname);
  if (isIP(host)) {
    const reason = checkAddress(host, policy);
    if (reason) throw new SsrfBlockedError(url.host, reason);
    return;
  }
  if (host === 'localhost' || host.endsWith('.localhost')) {
    // Resolves to loopback by definition (RFC 6761); allowed only if loopback itself is allowed.
    if (checkAddress('127.0.0.1', policy) && checkAddress('::1', policy)) throw new SsrfBlockedError(url.host, 'loopback name');
  }
}

export type Resolver = (hostname: string) => Promise<Array<{ address: string; family: number }>>;
export const systemResolver: Resolver = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

/**
 * The check before a request through a proxy, which resolves names itself: a name that resolves
 * here to a forbidden address is refused; one that does not resolve here may on the proxy's
 * network, so it is let through.
 */
export async function assertProxiedHostAllowed(hostname: string, policy: SsrfPolicy): Promise<void> {
  try {
    await assertHostResolvesAllowed(hostname, policy);
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_SSRF_BLOCKED') throw e;
  }
}

/** Resolves a name and refuses it when any of its addresses is forbidden. */
export async function assertHostResolvesAllowed(hostname: string, policy: SsrfPolicy = {}, resolve: Resolver = systemResolver): Promise<void> {
  if (policy.allowPrivate) return;
  const host = bareHost(hostname);
  if (isIP(host)) {
    const reason = checkAddress(host, policy);
    if (reason) throw new SsrfBlockedError(host, reason);
    return;
  }
  const addresses = await resolve(host);
  for (const { address } of addresses) {
    const reason = checkAddress(address, policy);
    if (reason) throw new SsrfBlockedError(host, `resolves to ${address} (${reason})`);
  }
}

/** A `lookup` for net/tls.connect that refuses names resolving to forbidden addresses. */
export function guardedLookup(policy: SsrfPolicy = {}): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as unknown as dns.LookupAddress[];
      for (const { address } of list) {
        const reason = checkAddress(address, policy);
        if (reason) return callback(new SsrfBlockedError(hostname, `resolves to ${address} (${reason})`) as NodeJS.ErrnoException, '', 0);
      }
      if (options.all) (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      else {
        const first = list[0];
        if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
        callback(null, first.address, first.family);
      }
    });
  };
}

/** The post-connect check: the peer address the socket really reached. */
export function assertSocketAllowed(socket: Socket, policy: SsrfPolicy = {}): void {
  if (policy.allowPrivate) return;
  const ip = socket.remoteAddress;
  if (!ip) return;
  const reason = checkAddress(ip, policy);
  if (reason) throw new SsrfBlockedError(ip, `connected to ${reason} address`);
}
