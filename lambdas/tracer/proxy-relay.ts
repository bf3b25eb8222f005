// A loopback TCP relay that a browser context can be pointed at before its trace exists: a
// context's proxy is fixed when it is created, and a trace's egress (browser-egress.ts) is
// created with the trace. Pages are prepared ahead (opening one starts a renderer process, the
// slowest part of a warm trace), so their context points here, and the relay passes every
// connection, byte for byte, to the egress of the trace that takes the page. Connections made
// before that wait; the relay never connects anywhere but the one egress it is given.
import net, { type AddressInfo, type Socket } from 'node:net';

export interface ProxyRelay {
  /** http://127.0.0.1:port: the proxy the prepared context uses. */
  readonly url: string;
  /** Sends every connection, from now on and waiting, to the egress on this loopback port. */
  forwardTo(port: number): void;
  /**
   * The trace is over: every connection is cut and new ones are refused. The port stays taken
   * until close(), so the context (still pointed at it until it is closed) cannot reach whatever
   * would take the port, or the egress's, next.
   */
  seal(): void;
  close(): Promise<void>;
}

export async function startProxyRelay(): Promise<ProxyRelay> {
  let target: number | undefined;
  let sealed = false;
  const waiting: Array<() => void> = [];
  const sockets = new Set<Socket>();
  const track = (s: Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };
  const server = net.createServer((client) => {
    if (sealed) return void client.destroy();
    track(client);
    client.on('error', () => client.destroy());
    const relay = (): void => {
      if (client.destroyed || sealed) return;
      const egress = net.connect(target!, '127.0.0.1');
      track(egress);
      egress.on('error', () => client.destroy());
      client.on('close', () => egress.destroy());
      egress.on('close', () => client.destroy());
      client.pipe(egress);
      egress.pipe(client);
    };
    if (target === undefined) {
      client.pause();
      waiting.push(relay);
    } else relay();
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    forwardTo: (port) => {
      if (sealed) return;
      target = port;
      for (const go of waiting.splice(0)) go();
    },
    seal: () => {
      sealed = true;
      waiting.length = 0;
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((ok) => {
        for (const s of sockets) s.destroy();
        server.close(() => ok());
      }),
  };
}
