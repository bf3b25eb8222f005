// The browser's only way out. Chromium is pointed at this loopback forward proxy for every request
// it makes — navigations, subresources, fetch/XHR, WebSocket, EventSource, workers — and the
// egress decides, per connection:
// - the SSRF guard: each name is resolved once per trace, checked, and the connection goes to the
//   checked address (pinned), so a DNS answer that changes between check and connect is never
//   seen. Chromium itself never resolves a name.
// - the proxy's credentials: the egress adds them to its own CONNECT to the leased proxy. The
//   browser never holds them, so no site can obtain them with a 401 or a 407 of its own.
// - the proxy's own failures (its 407, its connection errors) are told apart from a site's, so
//   only the proxy's count against the IP.
// - bytes through the proxy are counted (the provider bills bytes).
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net, { isIP, type AddressInfo, type Socket } from 'node:net';
import tls from 'node:tls';
import { bareHost, checkAddress, SsrfBlockedError, systemResolver, type Resolver, type SsrfPolicy } from './ssrf-guard';

export interface EgressPolicy extends SsrfPolicy {
  /** Exact `host:port` endpoints exempted from the guard (the test's own server, nothing else). */
  allowEndpoints?: readonly string[];
}

export interface UpstreamProxy {
  host: string;
  port: number;
  tls?: boolean;
  /** `Basic …` for the proxy's Proxy-Authorization; never given to the browser. */
  authorization?: string;
}

export interface EgressOptions {
  policy: EgressPolicy;
  /** The leased proxy; without one the egress connects to the (checked, pinned) address itself. */
  upstream?: UpstreamProxy;
  /** Name resolution for the guard (tests inject a rebinding resolver). */
  resolver?: Resolver;
  connectTimeoutMs?: number;
}

/** A failure of the leased proxy itself: the only kind that counts against the IP. */
export interface ProxyFault {
  kind: 'auth' | 'connect';
  message: string;
}

export interface EgressRefusal {
  /** host:port the browser asked for. */
  target: string;
  reason: string;
  /** 'blocked' = the SSRF guard; 'unresolved' = the name has no address; 'unreachable' = connect failed. */
  kind: 'blocked' | 'unresolved' | 'unreachable' | 'tunnel';
  /** The proxy's answer to CONNECT when it refused to open the tunnel. */
  status?: number;
}

export interface BrowserEgress {
  /** http://127.0.0.1:port, Chromium's proxy for the trace's browser context. */
  readonly url: string;
  /**
   * The guard's verdict on a URL's host (resolved once and pinned for the whole trace). Throws
   * SsrfBlockedError when refused.
   */
  admit(url: URL): Promise<void>;
  /** Bytes exchanged with the leased proxy (0 when direct). */
  bytes(): number;
  proxyFault(): ProxyFault | undefined;
  /** The egress's last refusal for a host:port, if any. */
  refusalFor(target: string): EgressRefusal | undefined;
  /** The refusals so far, the first 1,000 (for tests and diagnostics). */
  refusals(): readonly EgressRefusal[];
  /** A plain-http site answered 407: what a real browser rejects, never the proxy's fault. */
  siteProxyAuthFor(url: string): boolean;
  close(): Promise<void>;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Enough for any proxy's CONNECT answer head; more is a broken or hostile proxy. */
const MAX_CONNECT_HEAD = 16 * 1024;
const MAX_REFUSALS_KEPT = 1_000;
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'proxy-authenticate', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/**
 * `host` and `port` from a CONNECT authority or a URL's host, brackets removed from IPv6. The
 * host is normalized as the URL parser does (0x7f.1 → 127.0.0.1), and an explicit port is kept
 * even when it is the scheme's default.
 */
export function splitTarget(authority: string, defaultPort: number): { host: string; port: number } | undefined {
  const m = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(authority);
  if (!m?.[1]) return undefined;
  const port = m[2] === undefined ? defaultPort : Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) return undefined;
  try {
    return { host: bareHost(new URL(`http://${m[1]}`).hostname), port };
  } catch {
    return undefined;
  }
}

const endpointKey = (host: string, port: number): string => `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;

function withTimeout(socket: Socket, ms: number, what: string): void {
  socket.setTimeout(ms, () => socket.destroy(Object.assign(new Error(`${what} took longer than ${ms} ms`), { code: 'ETIMEDOUT' })));
}

export async function startBrowserEgress(opts: EgressOptions): Promise<BrowserEgress> {
  const policy = opts.policy;
  const resolve = opts.resolver ?? systemResolver;
  const connectTimeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const allowed = new Set(opts.policy.allowEndpoints ?? []);
  const upstream = opts.upstream;

  const sockets = new Set<Socket>();
  const upstreamSockets = new Set<Socket>();
  let closedBytes = 0;
  let fault: ProxyFault | undefined;
  const refusals: EgressRefusal[] = [];
  // The latest refusal per target, for the tracer's questions about one hop.
  const lastRefusal = new Map<string, EgressRefusal>();
  const siteProxyAuth = new Set<string>();
  // One resolution per name per trace: the address checked is the address connected to.
  const pinned = new Map<string, Promise<string | undefined>>();

  const refuse = (r: EgressRefusal): EgressRefusal => {
    // A page can make any number of refused requests: keep a bounded history.
    if (refusals.length < MAX_REFUSALS_KEPT) refusals.push(r);
    if (lastRefusal.size < MAX_REFUSALS_KEPT || lastRefusal.has(r.target)) lastRefusal.set(r.target, r);
    return r;
  };

  /** The address to connect to (direct), or undefined when the proxy resolves the name. */
  const pin = (host: string, port: number): Promise<string | undefined> => {
    const key = endpointKey(host, port);
    const exempt = policy.allowPrivate || allowed.has(key);
    if (isIP(host)) {
      const reason = exempt ? null : checkAddress(host, policy);
      return reason ? Promise.reject(new SsrfBlockedError(key, reason)) : Promise.resolve(host);
    }
    if (!exempt && (host === 'localhost' || host.endsWith('.localhost'))) {
      // Loopback by definition, whatever a resolver says.
      if (checkAddress('127.0.0.1', policy) && checkAddress('::1', policy)) return Promise.reject(new SsrfBlockedError(key, 'loopback name'));
    }
    let p = pinned.get(host);
    if (!p) {
      p = resolve(host).then(
        (addresses) => {
          if (addresses.length === 0) throw Object.assign(new Error(`${host} has no address`), { code: 'ENOTFOUND' });
          if (!exempt) {
            for (const { address } of addresses) {
              const reason = checkAddress(address, policy);
              if (reason) throw new SsrfBlockedError(host, `resolves to ${address} (${reason})`);
            }
          }
          return addresses[0]!.address;
        },
        (e: unknown) => {
          // Through a proxy the proxy resolves the name (from the lease's country); direct, a
          // name without an address cannot be connected to and is refused.
          if (upstream) return undefined;
          throw Object.assign(new Error(`${host} did not resolve: ${(e as Error).message}`), { code: (e as { code?: string }).code ?? 'ENOTFOUND' });
        },
      );
      pinned.set(host, p);
    }
    return p;
  };

  const countUpstream = (s: Socket): void => {
    upstreamSockets.add(s);
    s.once('close', () => {
      closedBytes += s.bytesRead + s.bytesWritten;
      upstreamSockets.delete(s);
    });
  };

  /** A raw connection to the target: through the proxy (CONNECT) or straight to the pinned address. */
  const openTunnel = async (host: string, port: number): Promise<Socket> => {
    const key = endpointKey(host, port);
    let address: string | undefined;
    try {
      address = await pin(host, port);
    } catch (e) {
      const blocked = (e as { code?: string }).code === 'ERR_SSRF_BLOCKED';
      throw Object.assign(e as Error, { refusal: refuse({ target: key, reason: (e as Error).message, kind: blocked ? 'blocked' : 'unresolved' }) });
    }
    if (!upstream) {
      const s = net.connect({ host: address!, port });
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
      withTimeout(s, connectTimeoutMs, `connecting to ${key}`);
      await new Promise<void>((ok, fail) => {
        s.once('connect', () => ok());
        s.once('error', fail);
      }).catch((e: Error) => {
        throw Object.assign(e, { refusal: refuse({ target: key, reason: e.message, kind: 'unreachable' }) });
      });
      s.setTimeout(0);
      s.on('error', () => undefined); // the pipes' owners handle errors from here on
      return s;
    }
    const s: Socket = upstream.tls
      ? tls.connect({ host: upstream.host, port: upstream.port, servername: isIP(upstream.host) ? undefined : upstream.host })
      : net.connect({ host: upstream.host, port: upstream.port });
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    countUpstream(s);
    withTimeout(s, connectTimeoutMs, 'the proxy');
    let onError: ((e: Error) => void) | undefined;
    let onClose: (() => void) | undefined;
    const head = await new Promise<{ status: number }>((ok, fail) => {
      let buf = Buffer.alloc(0);
      let connected = false;
      s.once(upstream.tls ? 'secureConnect' : 'connect', () => {
        connected = true;
        const auth = upstream.authorization ? `Proxy-Authorization: ${upstream.authorization}\r\n` : '';
        s.write(`CONNECT ${key} HTTP/1.1\r\nHost: ${key}\r\n${auth}\r\n`);
      });
      const onData = (chunk: Buffer): void => {
        buf = Buffer.concat([buf, chunk]);
        const end = buf.indexOf('\r\n\r\n');
        if (end === -1) {
          if (buf.length > MAX_CONNECT_HEAD) fail(Object.assign(new Error('the proxy sent an oversized CONNECT answer'), { atProxy: true }));
          return;
        }
        s.off('data', onData);
        const status = Number(/^HTTP\/\d(?:\.\d)? (\d{3})/.exec(buf.subarray(0, 32).toString('latin1'))?.[1] ?? 0);
        const rest = buf.subarray(end + 4);
        if (rest.length) s.unshift(rest);
        ok({ status });
      };
      s.on('data', onData);
      onError = (e) => fail(Object.assign(e, { atProxy: !connected }));
      onClose = () => fail(Object.assign(new Error('the proxy closed the connection during CONNECT'), { atProxy: !connected }));
      s.once('error', onError);
      s.once('close', onClose);
    }).catch((e: Error & { atProxy?: boolean }) => {
      s.destroy();
      // Only a connection to the proxy that never opened is the proxy's fault: a CONNECT
      // answered late is the target being slow behind it.
      if (e.atProxy) fault ??= { kind: 'connect', message: `proxy connection failed: ${e.message}` };
      throw Object.assign(e, { refusal: refuse({ target: key, reason: e.message, kind: 'unreachable' }) });
    });
    s.off('error', onError!);
    s.off('close', onClose!);
    s.on('error', () => undefined); // the pipes' owners handle errors from here on
    if (head.status === 407) {
      fault ??= { kind: 'auth', message: 'proxy refused the credentials (407)' };
      s.destroy();
      throw Object.assign(new Error('proxy refused the credentials (407)'), { refusal: refuse({ target: key, reason: 'proxy answered 407', kind: 'tunnel', status: 407 }) });
    }
    if (head.status !== 200) {
      s.destroy();
      throw Object.assign(new Error(`proxy could not reach ${key} (CONNECT answered ${head.status})`), {
        refusal: refuse({ target: key, reason: `CONNECT answered ${head.status}`, kind: 'tunnel', status: head.status }),
      });
    }
    s.setTimeout(0);
    return s;
  };

  const server = http.createServer({ requireHostHeader: false });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });

  // https, wss and anything else Chromium tunnels.
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    client.on('error', () => undefined);
    const target = splitTarget(req.url ?? '', 443);
    if (!target) return void client.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    openTunnel(target.host, target.port).then(
      (up) => {
        up.on('error', () => client.destroy());
        client.on('error', () => up.destroy());
        up.once('close', () => client.destroy());
        client.once('close', () => up.destroy());
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length) up.write(head);
        client.pipe(up);
        up.pipe(client);
      },
      () => {
        // Chromium reports ERR_TUNNEL_CONNECTION_FAILED; the tracer reads the reason from refusals().
        client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n');
      },
    );
  });

  // Plain http: Chromium sends absolute-form requests to its proxy. Each goes through its own
  // tunnel (the same path as https), so the credentials and the guard apply the same way. The
  // site's answer is passed back byte for byte: Chromium, not Node, parses it, as it would for a
  // user (a response Node rejects may be one Chromium accepts, and the reverse).
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '');
      if (url.protocol !== 'http:') throw new Error('not http');
    } catch {
      res.writeHead(400, { 'content-length': '0' }).end();
      return;
    }
    const target = splitTarget(url.host, 80)!;
    const client = req.socket;
    openTunnel(target.host, target.port).then(
      (tunnel) => {
        let chunked = false;
        const lines = [`${req.method ?? 'GET'} ${url.pathname}${url.search} HTTP/1.1`];
        for (let i = 0; i < req.rawHeaders.length; i += 2) {
          const name = req.rawHeaders[i]!;
          const lower = name.toLowerCase();
          if (lower === 'transfer-encoding' && /chunked/i.test(req.rawHeaders[i + 1]!)) chunked = true;
          if (HOP_BY_HOP.has(lower)) continue;
          lines.push(`${name}: ${req.rawHeaders[i + 1]!}`);
        }
        if (chunked) lines.push('Transfer-Encoding: chunked');
        // One request per tunnel: the end of the site's answer is where the connection ends.
        lines.push('Connection: close');
        tunnel.write(`${lines.join('\r\n')}\r\n\r\n`);
        req.on('data', (d: Buffer) => tunnel.write(chunked ? Buffer.concat([Buffer.from(`${d.length.toString(16)}\r\n`), d, Buffer.from('\r\n')]) : d));
        req.on('end', () => {
          if (chunked) tunnel.write('0\r\n\r\n');
        });
        tunnel.on('error', () => client.destroy());
        client.on('error', () => tunnel.destroy());
        client.once('close', () => tunnel.destroy());
        // Peek at the status line only: a site's 407 over plain http would be taken by Chromium
        // for its proxy's challenge. A browser without a proxy rejects it
        // (ERR_UNEXPECTED_PROXY_AUTH); fail the request the same way and record it as the site's.
        let head = Buffer.alloc(0);
        const release = (): void => {
          tunnel.off('data', onHead);
          tunnel.off('end', onEnd);
          if (/^HTTP\/1\.[01] 407\b/.test(head.subarray(0, 13).toString('latin1'))) {
            siteProxyAuth.add(url.href);
            tunnel.destroy();
            client.destroy();
            return;
          }
          client.write(head);
          tunnel.pipe(client);
        };
        const onHead = (chunk: Buffer): void => {
          head = Buffer.concat([head, chunk]);
          if (head.length >= 13) release();
        };
        const onEnd = (): void => {
          release();
          client.end();
        };
        tunnel.on('data', onHead);
        tunnel.once('end', onEnd);
      },
      () => {
        if (!res.headersSent) res.writeHead(502, { 'content-length': '0' }).end();
        else client.destroy();
      },
    );
  });
  // Chromium tunnels WebSockets with CONNECT; an Upgrade sent in absolute form is refused.
  server.on('upgrade', (_req: IncomingMessage, s: Socket) => s.destroy());

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    admit: async (url) => {
      const target = splitTarget(url.host, url.protocol === 'https:' ? 443 : 80);
      if (!target) throw new SsrfBlockedError(url.host, 'not a valid host');
      try {
        await pin(target.host, target.port);
      } catch (e) {
        if ((e as { code?: string }).code === 'ERR_SSRF_BLOCKED') throw e;
        // Unresolvable: not the guard's verdict; the connection attempt will report it.
      }
    },
    bytes: () => {
      let live = 0;
      for (const s of upstreamSockets) live += s.bytesRead + s.bytesWritten;
      return closedBytes + live;
    },
    proxyFault: () => fault,
    refusalFor: (target) => lastRefusal.get(target),
    refusals: () => refusals,
    siteProxyAuthFor: (url) => siteProxyAuth.has(url),
    close: () =>
      new Promise<void>((ok) => {
        for (const s of sockets) s.destroy();
        server.close(() => ok());
      }),
  };
}
