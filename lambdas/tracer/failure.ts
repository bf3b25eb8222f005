// Maps what went wrong on a hop to the trace outcome and the failure class the pipeline uses to
// decide whether the leased proxy IP is to blame.
import type { ErrorClass, TraceOutcome } from './types';

export interface Failure {
  outcome: Exclude<TraceOutcome, 'resolved'>;
  class: ErrorClass;
  message: string;
}

/** Thrown inside the tracers for failures they detect themselves (bad Location, loop…). */
export class TraceFailure extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message);
  }
}

export const failure = (outcome: Failure['outcome'], cls: ErrorClass, message: string): TraceFailure => new TraceFailure({ outcome, class: cls, message });

type ErrLike = Error & { code?: string; address?: string; port?: number; errors?: unknown[]; cause?: unknown };

/** The error and everything it wraps (cause chains, AggregateError members). */
function* chain(err: unknown, depth = 0): Generator<ErrLike> {
  // Duck-typed: errors from another realm (vm contexts, test sandboxes) fail `instanceof Error`.
  if (typeof err !== 'object' || err === null || typeof (err as { message?: unknown }).message !== 'string' || depth > 6) return;
  const e = err as ErrLike;
  yield e;
  if (e.cause) yield* chain(e.cause, depth + 1);
  if (Array.isArray(e.errors)) for (const inner of e.errors) yield* chain(inner, depth + 1);
}

const NETWORK_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
const isTls = (e: ErrLike): boolean =>
  /^(?:ERR_TLS|ERR_SSL|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_(?:GET|VERIFY)|ERR_OSSL)/.test(e.code ?? '') || /certificate|SSL routines|TLS/i.test(e.message);

export interface ClassifyContext {
  /** host:port of the proxy when tracing through one. */
  proxy?: { host: string; port: number };
}

export function classifyError(err: unknown, ctx: ClassifyContext = {}): Failure {
  if (err instanceof TraceFailure) return err.failure;
  const all = [...chain(err)];
  const top = all[0];
  const text = top ? `${top.message}${top.code ? ` (${top.code})` : ''}` : String(err);

  const ssrf = all.find((e) => e.code === 'ERR_SSRF_BLOCKED');
  if (ssrf) return { outcome: 'blocked', class: 'offer', message: ssrf.message };

  if (ctx.proxy) {
    const tunnel = all.map((e) => /Proxy response \((\d{3})\)/.exec(e.message)).find(Boolean);
    if (tunnel) {
      const status = Number(tunnel[1]);
      if (status === 407) return { outcome: 'error', class: 'proxy', message: 'proxy refused the credentials (407)' };
      // The proxy answered but could not reach the target (the `proxy` package says 404 for DNS failures).
      return { outcome: 'error', class: 'network', message: `proxy could not reach the target (CONNECT answered ${status})` };
    }
    if (all.some((e) => /Proxy Authentication Required/i.test(e.message))) {
      return { outcome: 'error', class: 'proxy', message: 'proxy refused the credentials (407)' };
    }
    const atProxy = all.find((e) => e.port === ctx.proxy!.port && NETWORK_CODES.has(e.code ?? ''));
    if (atProxy || all.some((e) => e.name === 'ProxyConnectionError' || e.code === 'UND_ERR_PRX_TLS')) {
      return { outcome: 'error', class: 'proxy', message: `proxy connection failed: ${(atProxy ?? top)?.message ?? text}` };
    }
  }

  if (all.some((e) => TIMEOUT_CODES.has(e.code ?? '') || e.name === 'TimeoutError')) {
    return { outcome: 'timeout', class: 'network', message: `timed out: ${text}` };
  }
  const tls = all.find(isTls);
  if (tls) return { outcome: 'error', class: 'network', message: `TLS error: ${tls.message}` };
  const net = all.find((e) => NETWORK_CODES.has(e.code ?? ''));
  if (net) return { outcome: 'error', class: 'network', message: `network error: ${net.message}` };
  if (
    all.some(
      (e) =>
        e.name === 'HTTPParserError' ||
        /^HPE_/.test(e.code ?? '') ||
        /^UND_ERR_(?:SOCKET|RES_|INFO)/.test(e.code ?? '') ||
        /^Z_/.test(e.code ?? '') ||
        e.code === 'ERR_INVALID_URL',
    )
  ) {
    return { outcome: 'error', class: 'offer', message: `upstream answered badly: ${text}` };
  }
  return { outcome: 'error', class: 'internal', message: text };
}
