// The demo "IP pool": N forward proxies on loopback (npm `proxy`: plain HTTP forwarding and
// CONNECT tunnels), each behind basic auth and counting the requests and bytes it carried, so
// tests can prove a trace really went through the leased proxy. Where the machine allows it, each
// proxy also leaves from its own loopback address (127.0.1.<n>), as each real proxy IP exits from
// its own: the local echo (/demo/echo) then tells them apart, as an echo service tells IPs apart.
import http from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
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
  /** The address the proxy's outgoing connections come from: what an echo sees. */
  exitAddress: string;
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
  /**
   * Leave from 127.0.1.<n> (n = 1, 2, …) where loopback allows it. Off by default: such a proxy
   * reaches IPv4 targets only (an IPv4 source cannot connect to ::1), which the local stack's are.
   * @default false
   */
  ownExitAddresses?: boolean;
}

/** Linux routes all of 127.0.0.0/8 to loopback; macOS only 127.0.0.1 unless aliased. */
async function canBind(address: string): Promise<boolean> {
  const probe = net.createServer();
  return new Promise<boolean>((resolve) => {
    probe.once('error', () => resolve(false));
    probe.listen(0, address, () => probe.close(() => resolve(true)));
  });
}

function basicCredentials(header: string | undefined): { user: string; pass: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? undefined : { user: decoded.slice(0, colon), pass: decoded.slice(colon + 1) };
}

async function startOne(index: number, opts: LocalProxyOptions, exitAddress: string | undefined): Promise<LocalProxy> {
  const host = opts.host ?? '127.0.0.1';
  const stats = { requests: 0, rejected: 0, closedBytes: 0 };
  const live = new Set<Socket>();
  const server = createProxy(http.createServer());
  if (exitAddress) server.localAddress = exitAddress;
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
    exitAddress: exitAddress ?? host,
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
  const ownExits = opts.ownExitAddresses === true && opts.count <= 254 && (await canBind('127.0.1.1'));
  try {
    for (let i = 0; i < opts.count; i++) proxies.push(await startOne(i, opts, ownExits ? `127.0.1.${i + 1}` : undefined));
  } catch (e) {
    await Promise.all(proxies.map((p) => p.kill()));
    throw e;
  }
  return { proxies, stop: async () => void (await Promise.all(proxies.map((p) => p.kill()))) };
}
