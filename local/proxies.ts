// The demo "IP pool": N forward proxies on loopback (npm `proxy`: plain HTTP forwarding and
// CONNECT tunnels), each behind basic auth and counting the requests and bytes it carried, so
// tests can prove a trace really went through the leased proxy.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createProxy } from 'proxy';

export interface LocalProxyStats {
  /** Proxy requests (forwarded requests + CONNECT tunnels), including refused ones. */
  requests: number;
  /** Requests refused with 407. */
  rejected: number;
  /** Bytes read from and written to clients. */
  bytes: number;
}

export interface LocalProxy {
  id: string;
  host: string;
  port: number;
  /** http://host:port (credentials not included). */
  url: string;
  stats(): LocalProxyStats;
  /** Stops this proxy only (simulates a dead IP). */
  kill(): Promise<void>;
}

export interface LocalProxyPool {
  proxies: LocalProxy[];
  stop(): Promise<void>;
}

export interface LocalProxyOptions {
  count: number;
  username: string;
  password: string;
  /** First port; proxy i listens on basePort + i. 0 (default) = ephemeral ports. */
  basePort?: number;
  host?: string;
}

function basicCredentials(header: string | undefined): { user: string; pass: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? undefined : { user: decoded.slice(0, colon), pass: decoded.slice(colon + 1) };
}

async function startOne(index: number, opts: LocalProxyOptions): Promise<LocalProxy> {
  const host = opts.host ?? '127.0.0.1';
  const stats = { requests: 0, rejected: 0, closedBytes: 0 };
  const live = new Set<Socket>();
  const server = createProxy(http.createServer());
  server.authenticate = (req) => {
    stats.requests++;
    const creds = basicCredentials(req.headers['proxy-authorization']);
    const ok = creds?.user === opts.username && creds.pass === opts.password;
    if (!ok) stats.rejected++;
    return ok;
  };
  server.on('connection', (socket: Socket) => {
    live.add(socket);
    socket.on('close', () => {
      live.delete(socket);
      stats.closedBytes += socket.bytesRead + socket.bytesWritten;
    });
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.basePort ? opts.basePort + index : 0, host, () => resolve((server.address() as AddressInfo).port));
  });
  let stopped: Promise<void> | undefined;
  return {
    id: `local-proxy-${index + 1}`,
    host,
    port,
    url: `http://${host}:${port}`,
    stats: () => {
      let bytes = stats.closedBytes;
      for (const s of live) bytes += s.bytesRead + s.bytesWritten;
      return { requests: stats.requests, rejected: stats.rejected, bytes };
    },
    kill: () => {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of live) s.destroy();
      });
      return stopped;
    },
  };
}

export async function startLocalProxies(opts: LocalProxyOptions): Promise<LocalProxyPool> {
  const proxies: LocalProxy[] = [];
  try {
    for (let i = 0; i < opts.count; i++) proxies.push(await startOne(i, opts));
  } catch (e) {
    await Promise.all(proxies.map((p) => p.kill()));
    throw e;
  }
  return { proxies, stop: async () => void (await Promise.all(proxies.map((p) => p.kill()))) };
}
