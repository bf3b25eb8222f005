/**
 * The queue settings of paths that must answer in milliseconds (the click, webhooks, event
 * ingest): a short timeout and one retry, after which the caller parks the request (or answers
 * 503) instead of waiting on a struggling queue. Used by the SDK client and the click's lean one.
 */
export const FAST_QUEUE = { maxAttempts: 2, connectionTimeoutMs: 300, requestTimeoutMs: 500 } as const;
