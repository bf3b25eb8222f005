/**
 * The console's client of the admin API: same-origin calls to /admin/…, authorized by the
 * AuthProvider. An answer of 401 or 403 signs the operator out (the token was refused or has gone)
 * and a failed call is an ApiError carrying what the API said, ready to be shown as it is.
 */
import type { AuthProvider } from './auth';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The answer's JSON (its `details`, a requeue's partial summary…), when it had one. */
    readonly body?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The admin API refused the credentials: the console goes back to sign-in. */
export class SignedOutError extends ApiError {
  constructor(status: number, message: string) {
    super(status, message);
    this.name = 'SignedOutError';
  }
}

export type QueryValue = string | number | boolean | undefined;

/** `?a=1&b=x` from the defined values (empty when none). */
export function queryString(params: Readonly<Record<string, QueryValue>>): string {
  const entries = Object.entries(params).filter((e): e is [string, string | number | boolean] => e[1] !== undefined && e[1] !== '');
  return entries.length ? `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString()}` : '';
}

/** What an error answer says: the API's `message` (and `error` code), else the status line. */
export function errorMessage(status: number, body: unknown): string {
  if (body && typeof body === 'object') {
    const { message, error, details } = body as { message?: unknown; error?: unknown; details?: unknown };
    const issues = Array.isArray(details) ? details : Array.isArray((details as { issues?: unknown })?.issues) ? (details as { issues: unknown[] }).issues : [];
    const listed = issues
      .map((i) =>
        i && typeof i === 'object' && 'message' in i
          ? `${(i as { path?: string }).path ? `${(i as { path: string }).path}: ` : ''}${String((i as { message: unknown }).message)}`
          : '',
      )
      .filter(Boolean);
    if (typeof message === 'string' && message) return listed.length ? `${message} (${listed.join('; ')})` : message;
    if (typeof error === 'string' && error) return error;
  }
  if (typeof body === 'string' && body.trim() && body.length < 300) return body.trim();
  return `The API answered ${status}`;
}

export interface ApiRequest {
  readonly method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly query?: Readonly<Record<string, QueryValue>>;
  /** JSON unless `contentType` says otherwise (then sent as the string it is). */
  readonly body?: unknown;
  readonly contentType?: string;
  /** Read the answer as text (a CSV export). */
  readonly text?: boolean;
  readonly signal?: AbortSignal;
}

export interface ApiClient {
  /** The answer's body; an ApiError for a status of 400 or above. */
  call<T>(path: string, request?: ApiRequest): Promise<T>;
  /** The status as well, for routes whose 2xx codes differ in meaning (201 created, 202 in progress). */
  callWithStatus<T>(path: string, request?: ApiRequest): Promise<{ status: number; body: T }>;
}

export interface ApiClientOptions {
  readonly fetch?: typeof fetch;
  /** Called once the API refuses the credentials (after the provider has signed out). */
  readonly onSignedOut?: (reason: string) => void;
}

export function createApiClient(auth: AuthProvider, options: ApiClientOptions = {}): ApiClient {
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  async function callWithStatus<T>(path: string, request: ApiRequest = {}): Promise<{ status: number; body: T }> {
    const authorization = await auth.authorization();
    if (!authorization) throw new SignedOutError(401, 'Sign in first.');
    const headers: Record<string, string> = { authorization, accept: request.text ? 'text/csv, text/plain, */*' : 'application/json' };
    let body: string | undefined;
    if (request.body !== undefined) {
      headers['content-type'] = request.contentType ?? 'application/json';
      body = request.contentType && typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
    }
    const res = await doFetch(`${path}${queryString(request.query ?? {})}`, {
      method: request.method ?? 'GET',
      headers,
      ...(body !== undefined ? { body } : {}),
      ...(request.signal ? { signal: request.signal } : {}),
      credentials: 'omit',
      cache: 'no-store',
    });
    const raw = await res.text();
    let parsed: unknown = raw;
    if (!request.text || res.status >= 400) {
      try {
        parsed = raw ? JSON.parse(raw) : undefined;
      } catch {
        parsed = raw;
      }
    }
    if (res.status === 401 || res.status === 403) {
      const message = res.status === 401 ? 'Sign in to continue.' : 'The admin API refused the credentials: sign in again.';
      auth.signOut();
      options.onSignedOut?.(message);
      throw new SignedOutError(res.status, message);
    }
    if (res.status >= 400) throw new ApiError(res.status, errorMessage(res.status, parsed), parsed);
    return { status: res.status, body: parsed as T };
  }
  return {
    callWithStatus,
    call: async <T>(path: string, request?: ApiRequest) => (await callWithStatus<T>(path, request)).body,
  };
}
