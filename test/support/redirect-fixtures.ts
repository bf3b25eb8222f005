// A local affiliate-style redirect corpus on 127.0.0.1 (ephemeral port): every redirect kind the
// tracer must handle, plus the bad inputs it must survive. Optionally the same routes over HTTPS
// with a self-signed certificate generated at start (needs the openssl CLI).
import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  secure: boolean;
  /** How long the fixture deliberately waited before answering (delayed routes), as measured. */
  servedDelayMs?: number;
}

export interface RedirectFixtures {
  origin: string;
  port: number;
  url(path: string): string;
  /** Set when an HTTPS twin could be started. */
  https?: { origin: string; port: number; url(path: string): string; ca: string };
  requests: RecordedRequest[];
  /** Requests whose path starts with the prefix. */
  hits(prefix: string): RecordedRequest[];
  close(): Promise<void>;
}

const page = (body: string, head = ''): string => `<!doctype html><html><head><meta charset="utf-8"><title>fixture</title>${head}</head><body>${body}</body></html>`;

const LANDING_TEXT = `<h1>Welcome to the offer</h1>${'<p>This is a real landing page with plenty of readable content for visitors. </p>'.repeat(8)}<a href="/terms">Terms</a>`;

const META_VARIANTS: Record<string, string> = {
  basic: '<meta http-equiv="refresh" content="0; url=/landing?meta=basic">',
  'single-quoted': `<meta http-equiv="refresh" content="0;URL='/landing?meta=single-quoted'">`,
  'double-in-single': `<meta http-equiv='refresh' content='0; url="/landing?meta=double-in-single"'>`,
  upper: '<META HTTP-EQUIV="Refresh" CONTENT="0;URL=/landing?meta=upper">',
  spaces: '<meta http-equiv="refresh" content="  0 ,   url  =  /landing?meta=spaces  ">',
  delay: '<meta http-equiv="refresh" content="1; url=/landing?meta=delay">',
  'no-url-prefix': '<meta http-equiv="refresh" content="0;/landing?meta=no-url-prefix">',
  unquoted: '<meta http-equiv=refresh content=0;url=/landing?meta=unquoted>',
  entity: '<meta http-equiv="refresh" content="0;url=/landing?meta=entity&amp;b=2">',
  'dot-delay': '<meta http-equiv="refresh" content=".5; url=/landing?meta=dot-delay">',
  commented: '<!-- <meta http-equiv="refresh" content="0;url=/landing?meta=WRONG"> --><meta http-equiv="refresh" content="0;url=/landing?meta=commented">',
  noscript: '<noscript><meta http-equiv="refresh" content="0;url=/landing?meta=noscript"></noscript>',
  base: '<base href="/sub/dir/"><meta http-equiv="refresh" content="0;url=../../landing?meta=base">',
};

const JS_VARIANTS: Record<string, string> = {
  href: `location.href = "/landing?js=href";`,
  assign: `location.assign('/landing?js=assign');`,
  replace: `window.location.replace("/landing?js=replace")`,
  window: `window.location = '/landing?js=window';`,
  top: `top.location.href='/landing?js=top'`,
  document: `document.location.href = "/landing?js=document";`,
  self: `self.location = "/landing?js=self"`,
  escaped: `location.href = "\\/landing?js=escaped\\u0026x=1";`,
  timeout: `setTimeout(function () { location.href = '/landing?js=timeout'; }, 50);`,
};

const DEEP_LINKS: Record<string, string> = {
  market: 'market://details?id=com.example.app&referrer=utm_source%3Dads',
  intent: 'intent://open?offer=1#Intent;scheme=exampleapp;package=com.example.app;end',
  itms: 'itms-apps://apps.apple.com/app/id123456789',
};

function makeSelfSigned(): { key: string; cert: string } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'tracepool-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore', timeout: 10_000 },
    );
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function startRedirectFixtures(options: { https?: boolean } = {}): Promise<RedirectFixtures> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const handler =
    (secure: boolean) =>
    (req: http.IncomingMessage, res: http.ServerResponse): void => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => {
        if (chunks.length < 64) chunks.push(c);
      });
      req.on('end', () => {
        const rec: RecordedRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), secure };
        requests.push(rec);
        try {
          route(rec, req, res);
        } catch (e) {
          res.writeHead(500).end(String(e));
        }
      });
    };

  const html = (res: http.ServerResponse, body: string, status = 200, headers: http.OutgoingHttpHeaders = {}): void => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...headers });
    res.end(body);
  };
  const redirect = (res: http.ServerResponse, status: number, location: string, headers: http.OutgoingHttpHeaders = {}): void => {
    res.writeHead(status, { location, 'content-type': 'text/html', ...headers });
    res.end(`<a href="${location}">moved</a>`);
  };

  function route(rec: RecordedRequest, req: http.IncomingMessage, res: http.ServerResponse): void {
    const u = new URL(rec.url, 'http://fixture');
    const p = u.pathname;
    const q = u.searchParams;
    const parts = p.split('/').filter(Boolean);
    const ua = String(req.headers['user-agent'] ?? '');
    const qs = u.search;

    if (p === '/landing' || p === '/terms') return html(res, page(LANDING_TEXT));
    if (p === '/echo-method') return html(res, page(`${LANDING_TEXT}<p id="method">${rec.method}</p>`));
    if (parts[0] === 'status' && parts[1]) {
      const code = Number(parts[1]);
      return redirect(res, code, q.get('to') ?? `/landing?via=${code}`);
    }
    if (p === '/relative') return redirect(res, 302, 'landing?rel=1');
    if (p === '/protocol-relative') return redirect(res, 302, `//${req.headers.host}/landing?pr=1`);
    if (p === '/refresh-header') return html(res, page('<p>redirecting</p>'), 200, { refresh: `${q.get('delay') ?? '0'}; url=/landing?via=refresh-header` });
    if (parts[0] === 'meta' && parts[1] && META_VARIANTS[parts[1]]) return html(res, page('<p>Redirecting…</p>', META_VARIANTS[parts[1]]));
    if (parts[0] === 'js' && parts[1] && JS_VARIANTS[parts[1]]) return html(res, page('<p>Redirecting…</p>', `<script>${JS_VARIANTS[parts[1]]}</script>`));
    if (p === '/computed-js') {
      return html(
        res,
        page(
          '',
          `<script>var p = ['/land', 'ing']; var q = '?js=' + 'computed'; setTimeout(function () { location.href = p.join('') + q + '${qs ? `&${qs.slice(1)}` : ''}'; }, 20);</script>`,
        ),
      );
    }
    if (p === '/form-auto') {
      return html(
        res,
        page(`<form id="f" method="post" action="/form-target${qs}"><input type="hidden" name="a" value="1"></form><script>document.getElementById('f').submit();</script>`),
      );
    }
    if (p === '/form-target') {
      if (rec.method !== 'POST') return html(res, page('method not allowed'), 405);
      return redirect(res, 303, `/landing?form=${encodeURIComponent(new URLSearchParams(rec.body).get('a') ?? 'none')}`);
    }
    if (p === '/shell') return html(res, '<html><head><script src="/shell.js"></script></head><body></body></html>');
    if (p === '/shell.js') {
      res.writeHead(200, { 'content-type': 'application/javascript' });
      return void res.end(`location.replace(atob('${Buffer.from('/landing?shell=1').toString('base64')}'));`);
    }
    if (p === '/cookie-gate') {
      if (/(?:^|;\s*)gate=1/.test(String(req.headers.cookie ?? ''))) return redirect(res, 302, '/landing?cookie=ok');
      return redirect(res, 302, '/cookie-gate', { 'set-cookie': 'gate=1; Path=/; HttpOnly' });
    }
    if (p === '/cookie-then-computed') return redirect(res, 302, '/needs-cookie-js', { 'set-cookie': 'seen=1; Path=/' });
    if (p === '/needs-cookie-js') {
      if (!/(?:^|;\s*)seen=1/.test(String(req.headers.cookie ?? ''))) return html(res, page('no cookie, no offer'), 403);
      return html(res, page('', `<script>var to = ['/land', 'ing?cookie=carried']; location.href = to.join('');</script>`));
    }
    if (p === '/ua-gate') {
      if (!/Mozilla\/5\.0 .*Chrome\/\d+/.test(ua) || /HeadlessChrome/.test(ua)) return html(res, page('bots not welcome'), 403);
      return redirect(res, 302, '/landing?ua=ok');
    }
    if (p === '/device') return redirect(res, 302, `/landing?device=${/Mobile/.test(ua) ? 'mobile' : 'desktop'}`);
    if (p === '/lang') return redirect(res, 302, `/landing?lang=${encodeURIComponent(String(req.headers['accept-language'] ?? '').split(',')[0] ?? '')}`);
    if (p === '/loop/a') return redirect(res, 302, '/loop/b');
    if (p === '/loop/b') return redirect(res, 302, '/loop/a');
    if (p === '/self-loop') return redirect(res, 302, '/self-loop');
    if (parts[0] === 'chain' && parts[1] !== undefined) {
      // /chain/N?kind=http|js|meta&code=302&delay=ms&drop=param — N redirects, then /landing.
      const n = Number(parts[1]);
      const kind = q.get('kind') ?? 'http';
      const delay = Number(q.get('delay') ?? 0);
      const nextQ = new URLSearchParams(q);
      const drop = q.get('drop');
      const dropAt = Number(q.get('dropAt') ?? 1);
      if (drop && n === dropAt) nextQ.delete(drop);
      const nextQs = nextQ.toString() ? `?${nextQ}` : '';
      const next = n <= 1 ? `/landing${nextQs}` : `/chain/${n - 1}${nextQs}`;
      const arrived = performance.now();
      const respond = (): void => {
        if (delay > 0) rec.servedDelayMs = performance.now() - arrived;
        if (n <= 0) return html(res, page(LANDING_TEXT));
        if (kind === 'js') return html(res, page('<p>…</p>', `<script>location.href = ${JSON.stringify(next)};</script>`));
        if (kind === 'js-computed') return html(res, page('', `<script>location.href = ${JSON.stringify(next.slice(0, 3))} + ${JSON.stringify(next.slice(3))};</script>`));
        if (kind === 'meta') return html(res, page('<p>…</p>', `<meta http-equiv="refresh" content="0;url=${next.replace(/&/g, '&amp;')}">`));
        return redirect(res, Number(q.get('code') ?? 302), next);
      };
      if (delay > 0) later(delay, respond);
      else respond();
      return;
    }
    if (parts[0] === 'deeplink' && parts[1]) {
      const target = DEEP_LINKS[parts[1].replace(/^js-/, '')];
      if (!target) return html(res, page('unknown'), 404);
      if (parts[1].startsWith('js-')) return html(res, page('<p>Opening the app…</p>', `<script>location.href = ${JSON.stringify(target)};</script>`));
      return redirect(res, 302, target);
    }
    if (p === '/slow') {
      later(Number(q.get('ms') ?? 100), () => redirect(res, 302, q.get('to') ?? '/landing?slow=1'));
      return;
    }
    if (p === '/hang') return; // never answers; the socket is destroyed on close()
    if (p === '/huge') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      const chunk = Buffer.from(`<p>${'x'.repeat(16 * 1024 - 7)}</p>`);
      let sent = 0;
      const total = 10 * 1024 * 1024;
      const pump = (): void => {
        while (sent < total) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.write('<!doctype html><html><head><title>huge</title></head><body>');
      res.on('close', () => {
        sent = total;
      });
      return pump();
    }
    if (p === '/oversize/meta-url') {
      // ~102 KB of body (under the tracer's 256 KiB read cap) that becomes a 306 KB URL: the URL
      // parser percent-encodes each 3-byte '€' into 9 characters. Headers could not carry it (16 KiB).
      return html(res, page('<p>Redirecting…</p>', `<meta http-equiv="refresh" content="0;url=/landing?q=${'€'.repeat(34_000)}">`));
    }
    if (p === '/oversize/many-params') {
      const query = Array.from({ length: 10_000 }, (_, i) => `p${i}=${i}`).join('&amp;');
      return html(res, page('<p>Redirecting…</p>', `<meta http-equiv="refresh" content="0;url=/landing?${query}">`));
    }
    if (parts[0] === 'oversize' && parts[1] === 'cookies' && parts[2] !== undefined) {
      // /oversize/cookies/N: N redirects each setting 120 cookies (~12 KB of headers, under the
      // client's 16 KiB), then a page only a browser resolves — the jar goes to the browser.
      const n = Number(parts[2]);
      const cookies = Array.from({ length: 120 }, (_, i) => `h${n}c${i}=${'v'.repeat(80)}; Path=/`);
      return redirect(res, 302, n > 1 ? `/oversize/cookies/${n - 1}${qs}` : `/computed-js${qs}`, { 'set-cookie': cookies });
    }
    if (p === '/garbage-location') return redirect(res, 302, 'http://exa mple.com:99999/%%%');
    if (p === '/no-location') {
      res.writeHead(302, { 'content-type': 'text/html' });
      return void res.end('moved somewhere');
    }
    if (p === '/garbage-response') {
      req.socket.end('THIS IS NOT HTTP\r\n\r\n');
      return;
    }
    if (p === '/server-error') return html(res, page('boom'), 500);
    if (p === '/not-found') return html(res, page('nope'), 404);
    if (p === '/ssrf/metadata') return redirect(res, 302, 'http://169.254.169.254/latest/meta-data/');
    if (p === '/ssrf/to') return redirect(res, 302, `http://${q.get('host') ?? '127.0.0.2'}:${req.socket.localPort ?? 80}/landing`);
    if (p === '/to-javascript') return redirect(res, 302, 'javascript:alert(1)');
    if (p === '/to-file') return redirect(res, 302, 'file:///etc/passwd');
    if (p === '/gzip') {
      const body = zlib.gzipSync(page('<p>compressed</p>', '<meta http-equiv="refresh" content="0;url=/landing?enc=gzip">'));
      res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' });
      return void res.end(body);
    }
    if (p === '/utf16') {
      const text = '\ufeff' + page('<p>wide</p>', '<meta http-equiv="refresh" content="0;url=/landing?enc=utf16">');
      res.writeHead(200, { 'content-type': 'text/html' });
      return void res.end(Buffer.from(text, 'utf16le'));
    }
    if (p === '/pixels') {
      // A redirector page with heavy sub-resources (to measure resource blocking) and a computed
      // script redirect after load.
      const assets = ['a.png', 'b.png', 'c.jpg', 'd.woff2', 'e.mp4']
        .map((n) =>
          n.endsWith('.woff2')
            ? `<style>@font-face{font-family:f;src:url(/asset/${n})}body{font-family:f}</style>`
            : n.endsWith('.mp4')
              ? `<video autoplay muted src="/asset/${n}"></video>`
              : `<img src="/asset/${n}">`,
        )
        .join('');
      return html(res, page(`${assets}<p>.</p>`, `<script>addEventListener('load', function () { location.href = '/land' + 'ing?pixels=1'; });</script>`));
    }
    if (parts[0] === 'asset' && parts[1]) {
      const type = parts[1].endsWith('.png') ? 'image/png' : parts[1].endsWith('.jpg') ? 'image/jpeg' : parts[1].endsWith('.woff2') ? 'font/woff2' : 'video/mp4';
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
      return void res.end(Buffer.alloc(64 * 1024, 7));
    }
    html(res, page('not found'), 404);
  }

  const listen = (server: http.Server): Promise<number> =>
    new Promise((resolve, reject) => {
      server.on('connection', (s: Socket) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
      });
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });

  // A stranger's server takes requests of any size (Node's default cap is 16 KiB): the oversize
  // routes' URLs and cookie jars must reach it, as they would in the wild.
  const serverOptions = { maxHeaderSize: 1024 * 1024 };
  const plain = http.createServer(serverOptions, handler(false));
  plain.keepAliveTimeout = 2_000;
  const port = await listen(plain);
  const origin = `http://127.0.0.1:${port}`;
  let secure: https.Server | undefined;
  let httpsInfo: RedirectFixtures['https'];
  if (options.https) {
    const cert = makeSelfSigned();
    if (cert) {
      secure = https.createServer({ ...serverOptions, key: cert.key, cert: cert.cert }, handler(true));
      const sport = await listen(secure);
      const sorigin = `https://127.0.0.1:${sport}`;
      httpsInfo = { origin: sorigin, port: sport, url: (path) => `${sorigin}${path}`, ca: cert.cert };
    }
  }

  return {
    origin,
    port,
    url: (path) => `${origin}${path}`,
    ...(httpsInfo ? { https: httpsInfo } : {}),
    requests,
    hits: (prefix) => requests.filter((r) => r.url.startsWith(prefix)),
    close: async () => {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await Promise.all([plain, secure].filter(Boolean).map((s) => new Promise<void>((r) => s!.close(() => r()))));
    },
  };
}
