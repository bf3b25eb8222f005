/**
 * The local HTTP API: the app's routes (the manifest's, or the synthesized template's with
 * --from-synth) invoking their functions through the local Lambda service, with API Gateway v2
 * (payload format 2.0) events. Admin routes take the bearer token instead of SigV4.
 * API Gateway's quotas hold: a request body over 10 MB is refused (413), an integration that has
 * not answered after 30 s gets 503, a failed invocation (error, timeout, crash) 500.
 */
import http from 'node:http';
import { randomUUID, timingSafeEqual, createHash } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { FUNCTIONS, type FunctionDef, type RouteDef } from '../contracts/manifest/functions';
import type { InvokeFunction } from './lambda-runtime';
import { API_INTEGRATION_TIMEOUT_MS, API_PAYLOAD_BYTES } from './aws-limits';

interface CompiledRoute {
  readonly def: FunctionDef;
  readonly route: RouteDef;
  readonly pattern: RegExp;
  readonly names: string[];
}

export function compileRoutes(functions: readonly FunctionDef[] = FUNCTIONS): CompiledRoute[] {
  const routes: CompiledRoute[] = [];
  for (const def of functions) {
    for (const route of def.routes ?? []) {
      const names: string[] = [];
      const source = route.path
        .split('/')
        .map((part) => {
          const m = /^\{(\w+)\+?\}$/.exec(part);
          if (!m) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          names.push(m[1]!);
          return part.endsWith('+}') ? '(.+)' : '([^/]+)';
        })
        .join('/');
      routes.push({ def, route, pattern: new RegExp(`^${source}$`), names });
    }
  }
  return routes;
}

export function matchRoute(routes: CompiledRoute[], method: string, path: string) {
  let pathMatched = false;
  for (const r of routes) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    pathMatched = true;
    if (r.route.method !== method) continue;
    const pathParameters: Record<string, string> = {};
    r.names.forEach((name, i) => {
      try {
        pathParameters[name] = decodeURIComponent(m[i + 1]!);
      } catch {
        pathParameters[name] = m[i + 1]!;
      }
    });
    return { match: r, pathParameters };
  }
  return { match: undefined, pathMatched };
}

/** Constant-time comparison of the presented bearer token with the configured one. */
export function bearerMatches(authorization: string | undefined, token: string): boolean {
  const presented = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1] ?? '';
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(token).digest();
  return presented.length > 0 && timingSafeEqual(a, b);
}

function queryParameters(search: URLSearchParams): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const key of new Set(search.keys())) out[key] = search.getAll(key).join(',');
  return Object.keys(out).length ? out : undefined;
}

const TEXTUAL = /^(text\/|application\/(json|x-www-form-urlencoded|xml|csv))/i;

export function toEvent(req: http.IncomingMessage, url: URL, body: Buffer, route: CompiledRoute, pathParameters: Record<string, string>): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined && key !== 'cookie') headers[key] = Array.isArray(value) ? value.join(',') : value;
  }
  const textual = TEXTUAL.test(headers['content-type'] ?? 'text/plain');
  const now = Date.now();
  const method = req.method ?? 'GET';
  const routeKey = `${route.route.method} ${route.route.path}`;
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    cookies: req.headers.cookie?.split(/;\s*/),
    headers,
    queryStringParameters: queryParameters(url.searchParams),
    pathParameters: Object.keys(pathParameters).length ? pathParameters : undefined,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: url.host,
      domainPrefix: 'local',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    body: body.length ? (textual ? body.toString('utf8') : body.toString('base64')) : undefined,
    isBase64Encoded: body.length > 0 && !textual,
  };
}

function send(res: http.ServerResponse, result: unknown, method: string): void {
  const structured: APIGatewayProxyStructuredResultV2 =
    typeof result === 'object' && result !== null && 'statusCode' in result
      ? (result as APIGatewayProxyStructuredResultV2)
      : { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(result) };
  const headers: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(structured.headers ?? {})) {
    // API Gateway refuses header values with CR/LF; so do we (never a split response).
    headers[key] = String(value).replace(/[\r\n]/g, '');
  }
  if (structured.cookies?.length) headers['set-cookie'] = structured.cookies;
  const body = structured.body ? (structured.isBase64Encoded ? Buffer.from(structured.body, 'base64') : Buffer.from(structured.body)) : Buffer.alloc(0);
  res.writeHead(structured.statusCode ?? 200, { ...headers, 'content-length': String(body.length) });
  res.end(method === 'HEAD' ? undefined : body);
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

export interface RouterOptions {
  readonly adminToken: string;
  readonly functions?: readonly FunctionDef[];
  /** Invokes a route's function (the local Lambda service). */
  readonly invoke: InvokeFunction;
  /** @default 30 s, API Gateway's integration timeout */
  readonly integrationTimeoutMs?: number;
  /** Extra local-only routes (the demo affiliate chain); return false when not handled. */
  readonly extra?: (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => boolean;
  readonly onError?: (error: unknown, routeKey: string) => void;
  /**
   * The Host headers served (`127.0.0.1:<port>`, `localhost:<port>`); any other is refused with 403
   * before routing. A web page the developer visits could otherwise drive the local stack by DNS
   * rebinding: its own name, re-pointed at 127.0.0.1, would reach the admin routes and the demo.
   * @default every Host
   */
  readonly allowedHosts?: readonly string[];
}

export function createRouter(options: RouterOptions): http.RequestListener {
  const routes = compileRoutes(options.functions);
  const allowedHosts = options.allowedHosts && new Set(options.allowedHosts.map((h) => h.toLowerCase()));
  return (req, res) => {
    if (allowedHosts && !allowedHosts.has((req.headers.host ?? '').toLowerCase())) {
      return sendJson(res, 403, { message: 'Forbidden: unknown Host header' });
    }
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    if (options.extra?.(req, res, url)) return;
    const method = (req.method ?? 'GET').toUpperCase();
    const found = matchRoute(routes, method, url.pathname);
    if (!found.match) {
      return sendJson(res, found.pathMatched ? 405 : 404, { message: found.pathMatched ? 'Method Not Allowed' : 'Not Found' });
    }
    const { match, pathParameters } = found;
    if (match.route.auth === 'admin') {
      if (!req.headers.authorization) return sendJson(res, 401, { message: 'Unauthorized' });
      if (!bearerMatches(req.headers.authorization, options.adminToken)) return sendJson(res, 403, { message: 'Forbidden' });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > API_PAYLOAD_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) return sendJson(res, 413, { message: 'Request Entity Too Large' });
      const event = toEvent(req, url, Buffer.concat(chunks), match, pathParameters);
      const timeoutMs = options.integrationTimeoutMs ?? API_INTEGRATION_TIMEOUT_MS;
      let answered = false;
      // API Gateway stops waiting; the function itself runs on to its own timeout, as in AWS.
      const timer = setTimeout(() => {
        answered = true;
        options.onError?.(new Error(`integration timed out after ${timeoutMs} ms`), event.routeKey);
        sendJson(res, 503, { message: 'Service Unavailable' });
      }, timeoutMs);
      options.invoke(match.def, event).then(
        (result) => {
          clearTimeout(timer);
          if (!answered) send(res, result, method);
        },
        (error: unknown) => {
          clearTimeout(timer);
          if (answered) return;
          options.onError?.(error, event.routeKey);
          // What API Gateway answers when the Lambda integration fails (an error, a timeout, a crash).
          sendJson(res, 500, { message: 'Internal Server Error' });
        },
      );
    });
  };
}
