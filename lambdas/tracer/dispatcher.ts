// One undici dispatcher per trace: direct (with the SSRF guard in the connector) or through the
// leased proxy (CONNECT for every target, so a single code path counts the bytes the proxy
// carries: provider bills by bytes, and the pipeline reports them per trace).
import tls from 'node:tls';
import type { Socket } from 'node:net';
import { Agent, Pool, ProxyAgent, buildConnector, type Dispatcher } from 'undici';
import { assertSocketAllowed, guardedLookup, type SsrfPolicy } from './ssrf-guard';
import type { ProxyConfig } from './types';

export interface TraceDispatcher {
  dispatcher: Dispatcher;
  /** Bytes sent and received on sockets to the proxy (0 when direct). */
  proxyBytes(): number;
  /** host/port of the proxy, for error classification. */
  proxyEndpoint?: { host: string; port: number };
  close(): Promise<void>;
}

export interface DispatcherOptions {
  proxy?: ProxyConfig;
  policy: SsrfPolicy;
  connectTimeoutMs: number;
  tlsCa?: string | string[];
}

function trustedCa(extra: string | string[] | undefined): string[] | undefined {
  if (!extra) return undefined;
  // `ca` replaces Node's bundle, so keep the public roots next to the extra ones.
  return [...tls.rootCertificates, ...(Array.isArray(extra) ? extra : [extra])];
}

/** Parses a proxy config: credentials may sit in the URL or be given separately. */
export function proxyTarget(proxy: ProxyConfig): { uri: string; host: string; port: number; token?: string } {
  const u = new URL(proxy.url);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`unsupported proxy scheme ${u.protocol}`);
  const username = proxy.username ?? decodeURIComponent(u.username);
  const password = proxy.password ?? decodeURIComponent(u.password);
  u.username = '';
  u.password = '';
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  const token = username || password ? `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` : undefined;
  return { uri: u.origin, host: u.hostname.replace(/^\[|\]$/g, ''), port, token };
}

export function createTraceDispatcher(opts: DispatcherOptions): TraceDispatcher {
  const ca = trustedCa(opts.tlsCa);
  if (!opts.proxy) {
    const base = buildConnector({ lookup: guardedLookup(opts.policy), timeout: opts.connectTimeoutMs, ...(ca ? { ca } : {}) });
    const connect: buildConnector.connector = (o, cb) =>
      base(o, (err, socket) => {
        if (err || !socket) return cb(err ?? new Error('no socket'), null);
        try {
          assertSocketAllowed(socket, opts.policy);
        } catch (e) {
          socket.destroy();
          return cb(e as Error, null);
        }
        cb(null, socket);
      });
    const dispatcher = new Agent({ connect, allowH2: false });
    return { dispatcher, proxyBytes: () => 0, close: () => dispatcher.destroy() };
  }

  const target = proxyTarget(opts.proxy);
  const sockets = new Set<Socket>();
  const dispatcher = new ProxyAgent({
    uri: target.uri,
    ...(target.token ? { token: target.token } : {}),
    proxyTunnel: true,
    connectTimeout: opts.connectTimeoutMs,
    ...(ca ? { requestTls: { ca } } : {}),
    clientFactory: (origin, options) => {
      const inner = (options as { connect: buildConnector.connector }).connect;
      const connect: buildConnector.connector = (o, cb) =>
        inner(o, (err, socket) => {
          if (socket) sockets.add(socket);
          (cb as (e: Error | null, s: Socket | null) => void)(err, socket);
        });
      return new Pool(origin, { ...options, connect });
    },
  });
  return {
    dispatcher,
    proxyBytes: () => {
      let n = 0;
      for (const s of sockets) n += s.bytesRead + s.bytesWritten;
      return n;
    },
    proxyEndpoint: { host: target.host, port: target.port },
    close: () => dispatcher.destroy(),
  };
}
