/**
 * GET /console and GET /console/{proxy+}: the operator console (public: static files only; every
 * call it makes for data goes to an /admin route, authorized there).
 *
 *   /console/main.js, /console/styles.css, /console/favicon.svg   the built files; cached for good
 *                                            under the `?v=` the page names, revalidated otherwise
 *   any other path without a file extension  the page (the console routes in the browser)
 *   anything else                            404
 *
 * Every answer carries the console's Content-Security-Policy; gzip when the client takes it.
 */
import { httpHandler } from '../shared/middleware';
import { header, text, type HttpEvent, type HttpResult } from '../shared/http';
import { requireEnv, optionalEnv } from '../shared/config';
import { builtOnFirstCall } from '../shared/built-on-first-call';
import { ENV } from '../../contracts/manifest/env';
import { CONSOLE_CSP, consoleCsp, loadConsoleFiles, type ConsoleFiles, type ConsoleSettings } from './console-assets';

export interface ConsoleConfig extends ConsoleSettings {
  readonly assetsDir: string;
}

export function readConsoleConfig(env: NodeJS.ProcessEnv = process.env): ConsoleConfig {
  const signIn = optionalEnv(ENV.consoleSignIn, env);
  const stage = optionalEnv(ENV.stage, env);
  const assetsDir = requireEnv(ENV.consoleAssetsDir, env);
  const common = { assetsDir, ...(stage ? { stage } : {}) };
  if (signIn === 'cognito') {
    // Both are set by the stack with the user pool: a missing one is a broken deployment, said at once.
    return { ...common, signIn, cognito: { domainUrl: requireEnv(ENV.consoleCognitoDomain, env), clientId: requireEnv(ENV.consoleCognitoClientId, env) } };
  }
  return { ...common, signIn: signIn === 'admin-token' ? 'admin-token' : 'none' };
}

const securityHeaders = (csp: string) => ({
  'content-security-policy': csp,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
});

const FOREVER = 'public, max-age=31536000, immutable';

function serve(files: ConsoleFiles, name: string, event: HttpEvent, security: Record<string, string>): HttpResult {
  const file = files.get(name)!;
  // The page is never cached (it names the current files); a file is, under its own version.
  const cache = name !== '' && event.queryStringParameters?.v === file.version ? FOREVER : 'no-cache';
  const headers: Record<string, string> = { ...security, 'content-type': file.contentType, 'cache-control': cache, etag: file.etag, vary: 'accept-encoding' };
  if (header(event, 'if-none-match') === file.etag) return { statusCode: 304, headers, body: '' };
  if (/\bgzip\b/i.test(header(event, 'accept-encoding') ?? '')) {
    return { statusCode: 200, headers: { ...headers, 'content-encoding': 'gzip' }, body: file.gzipped.toString('base64'), isBase64Encoded: true };
  }
  return { statusCode: 200, headers, body: file.body.toString('utf8') };
}

export function makeHandler(files: () => ConsoleFiles, csp: string = CONSOLE_CSP) {
  const security = securityHeaders(csp);
  return httpHandler(async (event) => {
    const rest = event.rawPath.replace(/^\/console\/?/, '');
    const all = files();
    if (all.has(rest) && rest !== '') return serve(all, rest, event, security);
    if (!rest.includes('.')) return serve(all, '', event, security);
    const notFound = text(404, 'Not found');
    return { ...notFound, headers: { ...notFound.headers, ...security } };
  });
}

export const handler = builtOnFirstCall(() => {
  const config = readConsoleConfig();
  let files: ConsoleFiles | undefined;
  return makeHandler(() => (files ??= loadConsoleFiles(config.assetsDir, config)), consoleCsp(config));
});
