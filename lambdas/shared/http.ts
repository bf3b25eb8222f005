/** Helpers that shape API Gateway v2 (HTTP API) responses and read its events. */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2 & { headers?: Record<string, string> };

const NO_STORE = { 'cache-control': 'no-store' };

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', ...NO_STORE, ...headers },
    body: JSON.stringify(body),
  };
}

export function html(statusCode: number, body: string, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode,
    headers: { 'content-type': 'text/html; charset=utf-8', ...NO_STORE, ...headers },
    body,
  };
}

export function text(statusCode: number, body: string, contentType = 'text/plain; charset=utf-8'): HttpResult {
  return { statusCode, headers: { 'content-type': contentType, ...NO_STORE }, body };
}

/** A header value can never carry CR/LF (response splitting), whatever built it. */
export function safeHeaderValue(value: string): string {
  return value.replace(/[\r\n\0]/g, '');
}

export function redirect(location: string, statusCode = 302): HttpResult {
  return {
    statusCode,
    headers: { location: safeHeaderValue(location), ...NO_STORE, 'referrer-policy': 'no-referrer-when-downgrade' },
    body: '',
  };
}

export function header(event: HttpEvent, name: string): string | undefined {
  const headers = event.headers ?? {};
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

/** The decoded body as text (HTTP API base64-encodes binary and some form bodies). */
export function bodyText(event: HttpEvent): string {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
