// Chromium talks to the proxy itself, so the browser tracer points it at this loopback relay,
// which forwards every byte to the real proxy and counts them (the provider bills bytes) and
// notices the proxy's own refusals (407, unreachable), which Chromium reports only vaguely.
import net, { type AddressInfo, type Socket } from 'node:net';
import tls from 'node:tls';

export interface ProxyMeter {
  /** http://127.0.0.1:port, to give Chromium as its proxy. */
  url: string;
  bytes(): number;
  /** The proxy answered 407 at least once. */
  authRejected(): boolean;
  /** Status of the last non-200 CONNECT answer, if any. */
  tunnelRefusedStatus(): number | undefined;
  /** Connecting to the proxy itself failed. */
  upstreamError(): Error | undefined;
  close(): Promise<void>;
}

export async function startProxyMeter(upstream: { host: string; port: number; tls?: boolean }): Promise<ProxyMeter> {
  const sockets = new Set<Socket>();
  const upstreams = new Set<Socket>();
  let bytes = 0;
  let rejected = false;
  let refused: number | undefined;
  let upstreamErr: Error | undefined;

  const server = net.createServer((client) => {
    sockets.add(client);
    const up = upstream.tls
      ? tls.connect({ host: upstream.host, port: upstream.port, servername: net.isIP(upstream.host) ? undefined : upstream.host })
      : net.connect({ host: upstream.host, port: upstream.port });
    sockets.add(up);
    upstreams.add(up);
    let connected = false;
    up.once(upstream.tls ? 'secureConnect' : 'connect', () => {
      connected = true;
    });
    up.on('data', (chunk: Buffer) => {
      // Status lines of the proxy's answers: "HTTP/1.1 407 …" or a refused CONNECT.
      if (chunk[0] === 0x48 && chunk.subarray(0, 5).toString('latin1') === 'HTTP/') {
        const status = Number(/^HTTP\/\d(?:\.\d)? (\d{3})/.exec(chunk.subarray(0, 32).toString('latin1'))?.[1]);
        if (status === 407) rejected = true;
        else if (status >= 400) refused ??= status; // only consulted when Chromium reports a failed tunnel
      }
    });
    const done = (): void => {
      bytes += up.bytesRead + up.bytesWritten;
      sockets.delete(up);
      upstreams.delete(up);
    };
    up.once('close', done);
    up.on('error', (e) => {
      if (!connected) upstreamErr = e;
      client.destroy();
    });
    client.on('error', () => up.destroy());
    client.on('close', () => {
      sockets.delete(client);
      up.end();
    });
    client.pipe(up);
    up.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    bytes: () => {
      let live = 0;
      // Sockets still open (keep-alive) count too; the upstream side is what the proxy sees.
      for (const s of upstreams) live += s.bytesRead + s.bytesWritten;
      return bytes + live;
    },
    authRejected: () => rejected,
    tunnelRefusedStatus: () => refused,
    upstreamError: () => upstreamErr,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
