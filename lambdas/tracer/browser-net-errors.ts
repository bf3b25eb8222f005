// What a failed browser navigation means for the trace: Chromium's net error, read together with
// what the trace's egress saw, becomes the trace's outcome and failure class.
import { splitTarget, type BrowserEgress } from './browser-egress';
import type { Failure } from './failure';

/**
 * Chromium net error → outcome and failure class. Chromium's only proxy is the trace's egress, so
 * what went wrong beyond it is read from the egress: only the leased proxy's own failures (its
 * 407, a connection to it that never opened) are class `proxy`; a site's 401/407/403/5xx never is.
 */
export function classifyNetError(errorText: string, egress?: Pick<BrowserEgress, 'proxyFault' | 'refusalFor' | 'siteProxyAuthFor'>, url?: string): Failure {
  const code = /net::(ERR_[A-Z_]+)/.exec(errorText)?.[1] ?? errorText;
  const f = (outcome: Failure['outcome'], cls: Failure['class'], what: string): Failure => ({ outcome, class: cls, message: `${what} (${code})` });
  const target = url ? targetOf(url) : undefined;
  const refusal = target ? egress?.refusalFor(target) : undefined;
  if (refusal?.kind === 'blocked') return { outcome: 'blocked', class: 'offer', message: refusal.reason };
  const fault = egress?.proxyFault();
  if (fault && (refusal || /TUNNEL|PROXY|EMPTY_RESPONSE|CONNECTION_(?:CLOSED|RESET)/.test(code))) return { outcome: 'error', class: 'proxy', message: fault.message };
  if (url && egress?.siteProxyAuthFor(url)) return f('error', 'offer', 'the site answered 407 Proxy Authentication Required, which a browser refuses from a site');
  if (code === 'ERR_UNEXPECTED_PROXY_AUTH') return f('error', 'offer', 'the site answered 407 Proxy Authentication Required, which a browser refuses from a site');
  if (refusal?.kind === 'unresolved') return f('error', 'network', `name not resolved: ${refusal.reason}`);
  if (refusal?.kind === 'tunnel') return f('error', 'network', `proxy could not reach the target (${refusal.reason})`);
  if (refusal?.kind === 'unreachable') return f('error', 'network', `network error: ${refusal.reason}`);
  if (/^ERR_(?:PROXY|MANDATORY_PROXY|SOCKS)/.test(code)) return f('error', 'network', 'the browser could not use its egress');
  if (code === 'ERR_TUNNEL_CONNECTION_FAILED') return f('error', 'network', 'tunnel failed');
  if (code === 'ERR_TOO_MANY_REDIRECTS') return f('too_many_hops', 'offer', 'too many redirects');
  if (/TIMED_OUT/.test(code)) return f('timeout', 'network', 'timed out');
  if (/^ERR_(?:INVALID_AUTH_CREDENTIALS|ACCESS_DENIED|BLOCKED_BY_RESPONSE)/.test(code)) return f('error', 'offer', 'the site refused the request');
  if (/^ERR_(?:CERT|SSL|BAD_SSL)/.test(code)) return f('error', 'network', 'TLS error');
  if (/^ERR_(?:NAME|CONNECTION|ADDRESS|INTERNET|NETWORK)/.test(code)) return f('error', 'network', 'network error');
  if (/^ERR_(?:EMPTY_RESPONSE|INVALID_RESPONSE|INVALID_HTTP_RESPONSE|CONTENT|RESPONSE|INVALID_REDIRECT|UNSAFE_REDIRECT|TOO_MANY_REDIRECTS|INVALID_CHUNKED)/.test(code)) {
    return f('error', 'offer', 'upstream answered badly');
  }
  return f('error', 'network', 'navigation failed');
}

/** `host:port` of a URL, as the egress keys its refusals. */
export function targetOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    const t = splitTarget(u.host, u.protocol === 'https:' || u.protocol === 'wss:' ? 443 : 80);
    return t ? `${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}` : undefined;
  } catch {
    return undefined;
  }
}
