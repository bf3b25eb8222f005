/**
 * TraceHttp's step hands a page to the browser whenever HTTP mode defers, whatever the page's
 * status: an error page whose script navigates is where a browser goes on, so the pipeline must
 * too (as traceAuto does), instead of reporting the error page as HTTP saw it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpStep } from '../../../lambdas/pipeline/http-step';

let server: http.Server;
let base: string;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/error-then-script') {
      res.writeHead(500, { 'content-type': 'text/html' });
      // A computed target: HTTP mode cannot read it, the browser runs it.
      res.end(`<!doctype html><title>oops</title><script>var p = ['/land', 'ing']; location.href = p.join('');</script>`);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>landing</title><p>landed</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('an auto offer whose chain ends on a 500 page with a navigating script goes to the browser', async () => {
  const state = await httpStep(`${base}/error-then-script`, { allowPrivate: true }, { mode: 'auto' });
  expect(state).toMatchObject({ needsBrowser: true, browserStartUrl: `${base}/error-then-script` });
});

test('an http-mode offer keeps the answer HTTP got', async () => {
  const state = await httpStep(`${base}/error-then-script`, { allowPrivate: true }, { mode: 'http' });
  expect(state).toMatchObject({ needsBrowser: false });
});
