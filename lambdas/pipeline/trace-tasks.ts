/**
 * TraceHttp and the proxy options both tracing tasks share. Apart from tasks.ts so the lease, store
 * and failure functions do not bundle the tracer; only the HTTP step here, so no puppeteer.
 */
import { proxyUrl } from '../lease/provider-credentials';
import type { Offer } from '../offers/offer-schema';
import type { ProxyConfig } from '../tracer/types';
import { buildRedirectUrl } from '../click/redirect-url';
import type { PipelineState, TraceState } from './pipeline-state';
import { requireLease, requireOffer, type TaskDeps } from './tasks';
import { httpStep } from './http-step';

export async function tracerOptions(deps: TaskDeps, state: PipelineState, offer: Offer, deadlineMs: number) {
  const lease = requireLease(state);
  const credentials = await deps.credentials.get(lease.provider);
  const proxy: ProxyConfig = { url: proxyUrl(lease, credentials) };
  return {
    proxy,
    device: state.request.device,
    country: lease.country,
    allowPrivate: deps.config.allowPrivate,
    // Exact passthrough names are tracked like click ids (prefix rules such as utm_* are not).
    clickIdParams: offer.passthrough.filter((p) => !p.endsWith('*')),
    deadlineMs,
  };
}

export async function traceWithHttp(deps: TaskDeps, state: PipelineState): Promise<TraceState> {
  const offer = await requireOffer(deps, state.request.offerId);
  const url = buildRedirectUrl(offer.trackingUrl, state.request.params);
  const options = await tracerOptions(deps, state, offer, deps.config.httpDeadlineMs);
  return httpStep(url, options, { offerId: offer.offerId, mode: offer.tracePolicy.mode }, deps.modeMemory);
}
