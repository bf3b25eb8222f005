/**
 * The Console function: the page with its strict policy and the built files' versioned URLs, the
 * files themselves (gzip when taken, cached for good under their version, 304 on a match), the
 * page for any console route, and 404 for any other file.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { makeHandler, readConsoleConfig } from '../../../lambdas/console/console.handler';
import { CONSOLE_CSP, consoleCsp, loadConsoleFiles } from '../../../lambdas/console/console-assets';

const dir = mkdtempSync(path.join(os.tmpdir(), 'console-handler-'));
writeFileSync(path.join(dir, 'main.js'), 'console.log("the console");\n'.repeat(50));
writeFileSync(path.join(dir, 'styles.css'), 'body{margin:0}\n');
const files = loadConsoleFiles(dir, { signIn: 'admin-token', stage: 'local' });
const handler = makeHandler(() => files) as unknown as (
  e: APIGatewayProxyEventV2,
  c: Context,
) => Promise<APIGatewayProxyStructuredResultV2 & { headers: Record<string, string> }>;
const context = { functionName: 'Console', awsRequestId: 'r', getRemainingTimeInMillis: () => 5000 } as unknown as Context;

const get = (rawPath: string, headers: Record<string, string> = {}, query?: Record<string, string>) =>
  handler(
    {
      rawPath,
      headers,
      queryStringParameters: query,
      routeKey: 'GET /console/{proxy+}',
      requestContext: { http: { method: 'GET', path: rawPath } },
    } as unknown as APIGatewayProxyEventV2,
    context,
  );

it('answers the page with the policy, the sign-in kind and the versioned files, never cached', async () => {
  const res = await get('/console');
  expect(res.statusCode).toBe(200);
  expect(res.headers).toMatchObject({
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': CONSOLE_CSP,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
  });
  const page = String(res.body);
  expect(page).toContain('<meta name="tracepool:sign-in" content="admin-token">');
  expect(page).toContain(`<script type="module" src="/console/main.js?v=${files.get('main.js')!.version}"></script>`);
  expect(page).toContain(`href="/console/styles.css?v=${files.get('styles.css')!.version}"`);
  // Nothing inline for the policy to allow.
  expect(page).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=|\son\w+=/i);
});

it('keeps the policy strict: same origin only, no inline script, no eval, no framing', () => {
  expect(CONSOLE_CSP).toContain("default-src 'self'");
  expect(CONSOLE_CSP).toContain("script-src 'self'");
  expect(CONSOLE_CSP).toContain("frame-ancestors 'none'");
  expect(CONSOLE_CSP).not.toMatch(/unsafe-inline|unsafe-eval|\*|https?:/);
});

it.each(['/console/', '/console/offers', '/console/offers/demo', '/console/traces/0190d5a4-7b1c-7def-8a12-3456789abcde'])(
  'answers %s with the page (the browser routes)',
  async (p) => {
    const res = await get(p);
    expect([res.statusCode, res.headers['content-type']]).toEqual([200, 'text/html; charset=utf-8']);
  },
);

it('serves a built file by its type, cached for good only under its own version', async () => {
  const version = files.get('main.js')!.version;
  const current = await get('/console/main.js', {}, { v: version });
  expect(current.headers).toMatchObject({ 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=31536000, immutable', etag: `"${version}"` });
  expect(current.body).toContain('the console');
  expect((await get('/console/main.js', {}, { v: 'old' })).headers['cache-control']).toBe('no-cache');
  expect((await get('/console/styles.css')).headers['content-type']).toBe('text/css; charset=utf-8');
  expect((await get('/console/favicon.svg')).headers['content-type']).toBe('image/svg+xml');
});

it('gzips for a client that takes it, and answers 304 to a matching ETag', async () => {
  const res = await get('/console/main.js', { 'accept-encoding': 'gzip, deflate, br' });
  expect(res).toMatchObject({ isBase64Encoded: true, headers: { 'content-encoding': 'gzip', vary: 'accept-encoding' } });
  expect(gunzipSync(Buffer.from(String(res.body), 'base64')).toString()).toBe(files.get('main.js')!.body.toString());
  const again = await get('/console/main.js', { 'if-none-match': res.headers.etag! });
  expect([again.statusCode, again.body]).toEqual([304, '']);
});

it('answers 404 to any other file, still under the policy', async () => {
  const res = await get('/console/secrets.json');
  expect(res.statusCode).toBe(404);
  expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP);
});

it('reads its files from CONSOLE_ASSETS_DIR and signs in with the admin token only when told to', () => {
  expect(readConsoleConfig({ CONSOLE_ASSETS_DIR: '/var/task/console' })).toEqual({ assetsDir: '/var/task/console', signIn: 'none' });
  expect(readConsoleConfig({ CONSOLE_ASSETS_DIR: '/x', CONSOLE_SIGN_IN: 'admin-token', TRACEPOOL_STAGE: 'local' })).toEqual({
    assetsDir: '/x',
    signIn: 'admin-token',
    stage: 'local',
  });
  expect(() => readConsoleConfig({})).toThrow(/CONSOLE_ASSETS_DIR/);
});

describe('signing in with Cognito (a deployed stack)', () => {
  const env = { CONSOLE_ASSETS_DIR: dir, CONSOLE_SIGN_IN: 'cognito', TRACEPOOL_STAGE: 'prod' };
  const cognito = { CONSOLE_COGNITO_DOMAIN_URL: 'https://tracepool-prod-1.auth.eu-west-1.amazoncognito.com', CONSOLE_COGNITO_CLIENT_ID: 'client123' };

  it('needs the domain and the client id the stack sets', () => {
    expect(readConsoleConfig({ ...env, ...cognito })).toEqual({
      assetsDir: dir,
      signIn: 'cognito',
      stage: 'prod',
      cognito: { domainUrl: cognito.CONSOLE_COGNITO_DOMAIN_URL, clientId: 'client123' },
    });
    expect(() => readConsoleConfig({ ...env, CONSOLE_COGNITO_CLIENT_ID: 'client123' })).toThrow(/CONSOLE_COGNITO_DOMAIN_URL/);
    expect(() => readConsoleConfig({ ...env, CONSOLE_COGNITO_DOMAIN_URL: cognito.CONSOLE_COGNITO_DOMAIN_URL })).toThrow(/CONSOLE_COGNITO_CLIENT_ID/);
  });

  it('names them in the page, and lets the page reach only that domain beyond its own origin', async () => {
    const config = readConsoleConfig({ ...env, ...cognito });
    const signedIn = makeHandler(() => loadConsoleFiles(dir, config), consoleCsp(config)) as unknown as typeof handler;
    const res = await signedIn(
      { rawPath: '/console', headers: {}, routeKey: 'GET /console', requestContext: { http: { method: 'GET', path: '/console' } } } as never,
      context,
    );
    expect(res.body).toContain('<meta name="tracepool:sign-in" content="cognito">');
    expect(res.body).toContain(`<meta name="tracepool:cognito-domain" content="${cognito.CONSOLE_COGNITO_DOMAIN_URL}">`);
    expect(res.body).toContain('<meta name="tracepool:cognito-client-id" content="client123">');
    const csp = res.headers['content-security-policy']!;
    expect(csp).toContain(`connect-src 'self' ${cognito.CONSOLE_COGNITO_DOMAIN_URL}`);
    expect(csp.replace(cognito.CONSOLE_COGNITO_DOMAIN_URL, '')).not.toMatch(/unsafe-inline|unsafe-eval|\*|https?:/);
    expect(csp).toContain("script-src 'self'");
  });
});
