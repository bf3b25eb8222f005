// Assembles the stable TraceResult from what a tracer observed.
import { adsCompatibility } from './ads-compatibility';
import { finalParams, trackClickIds } from './click-ids';
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
}

export function buildResult(input: ResultInput): TraceResult {
  const hops = input.hops.map((h) => ({ ...h, ms: Math.max(0, Math.round(h.ms)) }));
  const result: TraceResult = {
    outcome: input.outcome,
    finalUrl: input.finalUrl,
    params: finalParams(input.finalUrl),
    mode: input.mode,
    hops,
    adsCompatibility: adsCompatibility(hops),
    clickIds: trackClickIds(hops, input.finalUrl, input.clickIdParams),
    proxyBytes: input.proxyBytes,
    ms: Math.max(0, Math.round(input.ms)),
  };
  if (input.error) result.error = input.error;
  return result;
}

/** Schemes that are not app deep links and must never be "followed". */
export const REFUSED_SCHEMES = new Set(['javascript:', 'data:', 'file:', 'blob:', 'about:', 'vbscript:', 'filesystem:', 'ftp:', 'ws:', 'wss:', 'view-source:', 'chrome:']);
export const isWebUrl = (u: URL): boolean => u.protocol === 'http:' || u.protocol === 'https:';
