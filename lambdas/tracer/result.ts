// Assembles the stable TraceResult from what a tracer observed, bounded in size (limits.ts):
// both tracers and the pipeline's merge of the two build their results here.
import { adsCompatibility } from './ads-compatibility';
import { finalParams, trackClickIds } from './click-ids';
import { boundNames, boundParams, clip, compactTruncation, fairShare, jsonStringBytes, keepEnds, LIMITS, wasCut, type Truncation } from './limits';
import type { Hop, TraceError, TraceMode, TraceOutcome, TraceResult } from './types';

export interface ResultInput {
  outcome: TraceOutcome;
  finalUrl: string;
  mode: TraceMode;
  hops: Hop[];
  proxyBytes: number;
  ms: number;
  clickIdParams?: readonly string[];
  error?: TraceError;
  /** The final URL's parameters when already known (a merged result keeps the browser part's). */
  params?: Record<string, string>;
  /** Cuts made before this build (the parts of a merged result), carried over. */
  truncated?: Truncation;
}

export function buildResult(input: ResultInput): TraceResult {
  const carried = input.truncated ?? {};
  const t: Truncation = { hops: carried.hops, cookies: carried.cookies, finalUrl: carried.finalUrl };

  let outcome = input.outcome;
  let error = input.error;
  const finalBytes = jsonStringBytes(input.finalUrl);
  const final = clip(input.finalUrl, LIMITS.finalUrlBytes);
  if (final.cut) {
    t.finalUrl = finalBytes;
    // A cut URL is no landing page: nobody can be sent there, no sub id can be learned from it,
    // and no common server would have answered it (8 KiB request lines are the usual ceiling).
    // So the operator sees an offer failure that names the problem — not a "completed" trace
    // whose URL is garbage, and not an IP punished for it; retry-policy.ts fails it for good.
    if (outcome === 'resolved') {
      outcome = 'error';
      error = { class: 'offer', message: `landing URL too long: ${finalBytes} bytes (the limit is ${LIMITS.finalUrlBytes})` };
    }
  }

  const { kept, dropped } = keepEnds(input.hops, LIMITS.hops);
  t.hops = (t.hops ?? 0) + dropped;
  const cap = fairShare(
    kept.map((h) => jsonStringBytes(h.url)),
    LIMITS.hopUrlsTotalBytes,
    LIMITS.hopUrlBytes,
  );
  const hops = kept.map((h) => ({ ...h, url: clip(h.url, cap).text, ms: Math.max(0, Math.round(h.ms)) }));
  t.urls = hops.filter((h) => wasCut(h.url)).length + (wasCut(final.text) ? 1 : 0);

  let params: Record<string, string>;
  if (input.params) {
    const bounded = boundParams(input.params);
    params = bounded.params;
    t.params = (carried.params ?? 0) + bounded.cut;
  } else {
    const bounded = boundParams(finalParams(input.finalUrl));
    params = bounded.params;
    t.params = bounded.cut;
  }

  // Compatibility is judged on the whole chain; only the reasons listed are bounded.
  const ads = adsCompatibility(input.hops);
  t.reasons = Math.max(0, ads.reasons.length - LIMITS.reasons);
  const tracked = boundNames(input.clickIdParams ?? []);
  t.clickIds = tracked.dropped;
  // perHop describes the stored hops (same indices); what survived or was lost, the whole chain.
  const stored = trackClickIds(hops, input.finalUrl, tracked.names);
  const whole = input.hops.length === hops.length ? stored : trackClickIds(input.hops, input.finalUrl, tracked.names);

  const result: TraceResult = {
    outcome,
    finalUrl: final.text,
    params,
    mode: input.mode,
    hops,
    adsCompatibility: { ok: ads.ok, reasons: ads.reasons.slice(0, LIMITS.reasons) },
    clickIds: { tracked: stored.tracked, perHop: stored.perHop, survived: whole.survived, lost: whole.lost },
    proxyBytes: input.proxyBytes,
    ms: Math.max(0, Math.round(input.ms)),
  };
  if (error) {
    const message = clip(error.message, LIMITS.errorMessageBytes).text;
    if (wasCut(message)) t.error = 1;
    result.error = { class: error.class, message };
  }
  const truncated = compactTruncation(t);
  if (truncated) result.truncated = truncated;
  return result;
}

/**
 * The cuts of an HTTP part and a browser part that carry into their merged result: dropped hops
 * (both), the cookies not handed over (HTTP), and the final URL and parameters (the browser's).
 */
export function carriedTruncation(http: TraceResult, browser: TraceResult): Truncation | undefined {
  return compactTruncation({
    hops: (http.truncated?.hops ?? 0) + (browser.truncated?.hops ?? 0),
    cookies: http.truncated?.cookies,
    finalUrl: browser.truncated?.finalUrl,
    params: browser.truncated?.params,
  });
}

/** Schemes that are not app deep links and must never be "followed". */
export const REFUSED_SCHEMES = new Set(['javascript:', 'data:', 'file:', 'blob:', 'about:', 'vbscript:', 'filesystem:', 'ftp:', 'ws:', 'wss:', 'view-source:', 'chrome:']);
export const isWebUrl = (u: URL): boolean => u.protocol === 'http:' || u.protocol === 'https:';
