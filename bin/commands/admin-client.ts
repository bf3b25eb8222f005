/**
 * The CLI's view of the admin API: the local stack by default (bearer token), or a deployed
 * stack (SigV4-signed calls, see bin/tracepool.ts). Commands depend only on this interface.
 */
export interface AdminResponse<T = unknown> {
  readonly status: number;
  readonly body: T;
}

export interface AdminClient {
  /** Base URL, for messages. */
  readonly baseUrl: string;
  request<T = unknown>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown, contentType?: string): Promise<AdminResponse<T>>;
}
