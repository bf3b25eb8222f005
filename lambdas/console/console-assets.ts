/**
 * The operator console's files as the Console function serves them: the page itself (rendered
 * here: a shell that loads the built script and style, nothing inline), the esbuild-built
 * `main.js` and `styles.css` read from the asset directory once per container, each with its
 * content hash (the ETag, and the `?v=` the page asks for, which makes it cacheable for good)
 * and its gzip form.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { CONSOLE_FILES } from '../../contracts/manifest/console-build';
import { escapeHtml } from '../shared/http';

/** How operators sign in: the local stack's admin token, the operators' Cognito pool in AWS, or not in a browser. */
export type ConsoleSignIn = 'admin-token' | 'cognito' | 'none';

export interface ConsoleSettings {
  readonly signIn: ConsoleSignIn;
  readonly stage?: string;
  /** With `cognito`: the hosted sign-in's address and the console's app client. */
  readonly cognito?: { readonly domainUrl: string; readonly clientId: string };
}

export interface ConsoleFile {
  readonly contentType: string;
  readonly body: Buffer;
  readonly gzipped: Buffer;
  /** A strong ETag: the content's hash. */
  readonly etag: string;
  /** The hash alone: the `?v=` under which the file may be cached forever. */
  readonly version: string;
}

/** Files by their path under /console/ (`''` is the page). */
export type ConsoleFiles = ReadonlyMap<string, ConsoleFile>;

/**
 * The console's policy: everything from this origin only; no inline script or style, no eval, no
 * plugin, no framing, no base or form target elsewhere. The data calls are same-origin too.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "font-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The policy a deployment serves: CONSOLE_CSP, with the Cognito domain added to connect-src where
 * operators sign in there (the page exchanges and refreshes its tokens at that domain's token
 * endpoint; the sign-in page itself is a navigation, which connect-src does not govern).
 */
export function consoleCsp(settings: Pick<ConsoleSettings, 'cognito'>): string {
  if (!settings.cognito) return CONSOLE_CSP;
  const origin = new URL(settings.cognito.domainUrl).origin;
  return CONSOLE_CSP.replace("connect-src 'self'", `connect-src 'self' ${origin}`);
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

const FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#0b57d0"/><path d="M4 4h8v2H9v6H7V6H4z" fill="#fff"/></svg>';

function consoleFile(name: string, content: string | Buffer): ConsoleFile {
  const body = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
  const version = createHash('sha256').update(body).digest('base64url').slice(0, 16);
  return {
    contentType: CONTENT_TYPES[path.extname(name) || '.html'] ?? 'application/octet-stream',
    body,
    gzipped: gzipSync(body, { level: 9 }),
    etag: `"${version}"`,
    version,
  };
}

/** The page: the built style and script by their versioned URLs, and how to sign in, in meta tags the script reads. */
export function renderConsolePage(files: ConsoleFiles, settings: ConsoleSettings): string {
  const v = (name: string) => files.get(name)!.version;
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>Tracepool console</title>',
    `<meta name="tracepool:sign-in" content="${escapeHtml(settings.signIn)}">`,
    `<meta name="tracepool:stage" content="${escapeHtml(settings.stage ?? '')}">`,
    ...(settings.cognito
      ? [
          `<meta name="tracepool:cognito-domain" content="${escapeHtml(settings.cognito.domainUrl)}">`,
          `<meta name="tracepool:cognito-client-id" content="${escapeHtml(settings.cognito.clientId)}">`,
        ]
      : []),
    `<link rel="icon" type="image/svg+xml" href="/console/favicon.svg?v=${v('favicon.svg')}">`,
    `<link rel="stylesheet" href="/console/styles.css?v=${v('styles.css')}">`,
    `<script type="module" src="/console/main.js?v=${v('main.js')}"></script>`,
    '</head>',
    '<body>',
    '<div id="app"><noscript>The Tracepool console needs JavaScript.</noscript></div>',
    '</body>',
    '</html>',
  ].join('\n');
}

/** Reads the built files from `dir` (a missing one fails here, on the first request, loudly). */
export function loadConsoleFiles(dir: string, settings: ConsoleSettings): ConsoleFiles {
  const files = new Map<string, ConsoleFile>();
  for (const name of CONSOLE_FILES) files.set(name, consoleFile(name, readFileSync(path.join(dir, name))));
  files.set('favicon.svg', consoleFile('favicon.svg', FAVICON));
  files.set('', consoleFile('index.html', renderConsolePage(files, settings)));
  return files;
}
