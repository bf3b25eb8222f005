// Pages written to attack a tracer, and the "internal service" they aim at. The hostile site
// listens on 127.0.0.1 (the one address a test allows, standing for the public internet); the
// internal service listens on 127.0.0.2, which the SSRF guard must keep the browser away from
// (it stands for our own network: metadata service, VPC endpoints, the local stack).
import dgram from 'node:dgram';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Hit {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

export interface HostileFixtures {
  /** http://127.0.0.1:port */
  origin: string;
  port: number;
  url(path: string): string;
  /** Every request the hostile site received. */
  siteHits: Hit[];
  /** Every request (HTTP or WebSocket upgrade) the internal service received. */
  internalHits: Hit[];
  /** UDP datagrams (STUN binding requests) that reached the internal STUN port. */
  stunPackets(): number;
  close(): Promise<void>;
}

const html = (body: string, head = ''): string => `<!doctype html><html><head><meta charset="utf-8">${head}</head><body>${body}</body></html>`;

/** Attempts everything at once, then goes to the landing page so the trace can finish. */
function attackPage(internal: string, ws: string, extra = ''): string {
  return html(
    `<p>hostile</p>
<script src="${internal}/script.js"></script>
<link rel="stylesheet" href="${internal}/style.css">
<iframe src="${internal}/frame"></iframe>
<script>
  const tries = [];
  const attempt = (p) => tries.push(Promise.resolve().then(p).catch(() => undefined));
  attempt(() => fetch('${internal}/fetch', { mode: 'no-cors' }));
  attempt(() => new Promise((done) => { const x = new XMLHttpRequest(); x.onloadend = done; x.open('GET', '${internal}/xhr'); x.send(); }));
  attempt(() => new Promise((done) => { const s = new WebSocket('${ws}/ws'); s.onerror = done; s.onopen = done; setTimeout(done, 1000); }));
  attempt(() => new Promise((done) => { const e = new EventSource('${internal}/events'); e.onerror = () => { e.close(); done(); }; setTimeout(done, 1000); }));
  attempt(() => navigator.sendBeacon('${internal}/beacon', 'x'));
  attempt(() => new Promise((done) => { const w = new Worker('/worker.js'); w.onmessage = done; w.onerror = done; setTimeout(done, 1000); }));
  ${extra}
  Promise.all(tries).then(() => setTimeout(() => { location.href = '/landing?done=1'; }, 300));
</script>`,
  );
}

export async function startHostileFixtures(): Promise<HostileFixtures> {
  const siteHits: Hit[] = [];
  const internalHits: Hit[] = [];
  const sockets = new Set<Socket>();
  let internalOrigin = '';
  let stun = 0;

  const site = http.createServer((req, res) => {
    siteHits.push({ method: req.method ?? 'GET', path: req.url ?? '', headers: req.headers });
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (status: number, body: string, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...headers });
      res.end(body);
    };
    const ws = internalOrigin.replace('http:', 'ws:');
    switch (url.pathname) {
      case '/landing':
        return send(200, html('<h1>landing</h1>'));
      case '/then-401':
        // A second navigation, after the proxy's own challenge was answered for the first.
        return send(200, html(`<script>setTimeout(() => { location.href = '/nav-401'; }, 50);</script>`));
      case '/nav-401':
        return send(401, html('sign in'), { 'www-authenticate': 'Basic realm="give me your proxy password"' });
      case '/fetch-401':
        return send(
          200,
          html(`<script>fetch('/api-401').then((r) => { location.href = '/landing?status=' + r.status; }, () => { location.href = '/landing?status=failed'; });</script>`),
        );
      case '/api-401':
        return send(401, 'no', { 'www-authenticate': 'Basic realm="api"' });
      case '/xhr-401':
        return send(
          200,
          html(
            `<script>const x = new XMLHttpRequest(); x.onloadend = () => { location.href = '/landing?status=' + x.status; }; x.open('GET', '/api-401'); x.send();</script>`,
          ),
        );
      case '/site-407':
        return send(407, html('proxy auth, says the site'), { 'proxy-authenticate': 'Basic realm="site"' });
      case '/site-403':
        return send(403, html('forbidden'));
      case '/attack':
        return send(200, attackPage(internalOrigin, ws));
      case '/worker.js':
        res.writeHead(200, { 'content-type': 'text/javascript' });
        return void res.end(`fetch('${internalOrigin}/from-worker').catch(() => 0).finally(() => postMessage('done'));`);
      case '/rebind': {
        // The first lookup of rebind.test says 127.0.0.1 (allowed); later ones say 127.0.0.2.
        const target = `http://rebind.test:${url.searchParams.get('port')}`;
        return send(
          200,
          html(`<script>
  const one = () => fetch('${target}/rebind-fetch', { mode: 'no-cors' }).catch(() => 0);
  one().then(one).then(() => new Promise((r) => setTimeout(r, 200))).then(one).then(() => { location.href = '${target}/landing?rebound=1'; });
</script>`),
        );
      }
      case '/webrtc': {
        const port = url.searchParams.get('stun');
        return send(
          200,
          html(`<script>
  const found = [];
  try {
    const pc = new RTCPeerConnection({ iceServers: [{ urls: 'stun:127.0.0.2:${port}' }] });
    pc.createDataChannel('x');
    pc.onicecandidate = (e) => { if (e.candidate) found.push(e.candidate.candidate); };
    pc.createOffer().then((o) => pc.setLocalDescription(o));
  } catch (e) { found.push('error'); }
  setTimeout(() => { location.href = '/landing?candidates=' + found.length; }, 2000);
</script>`),
        );
      }
      default:
        return send(404, 'not found');
    }
  });
  site.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((ok) => site.listen(0, '127.0.0.1', () => ok()));
  const port = (site.address() as AddressInfo).port;

  // Same port number on 127.0.0.2, so a rebound name lands here if the pin does not hold.
  const internal = http.createServer((req, res) => {
    internalHits.push({ method: req.method ?? 'GET', path: req.url ?? '', headers: req.headers });
    res.writeHead(200, { 'content-type': 'text/plain', 'access-control-allow-origin': '*' });
    res.end('internal secret');
  });
  internal.on('upgrade', (req, socket: Socket) => {
    internalHits.push({ method: 'UPGRADE', path: req.url ?? '', headers: req.headers });
    socket.destroy();
  });
  internal.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((ok, fail) => {
    internal.once('error', fail);
    internal.listen(port, '127.0.0.2', () => ok());
  });
  internalOrigin = `http://127.0.0.2:${port}`;

  const udp = dgram.createSocket('udp4');
  udp.on('message', () => stun++);
  await new Promise<void>((ok) => udp.bind(port, '127.0.0.2', () => ok()));

  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    port,
    url: (path) => `${origin}${path}`,
    siteHits,
    internalHits,
    stunPackets: () => stun,
    close: async () => {
      for (const s of sockets) s.destroy();
      udp.close();
      await Promise.all([new Promise((ok) => site.close(ok)), new Promise((ok) => internal.close(ok))]);
    },
  };
}
