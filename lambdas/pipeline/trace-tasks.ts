/**
 * TraceHttp and what both tracing tasks share. Apart from tasks.ts so the lease, store and failure
 * functions do not bundle the tracer; only the HTTP step here, so no puppeteer.
 *
 * The tracing tasks run hostile pages, so they read no table: what to trace comes in the state
 * (AcquireLease's trace target), and the proxy credentials are their only secret.
 */
import { proxyUrl, type ProviderCredentialsResolver } from '../shared/provider-credentials';
import type { ProxyConfig } from '../tracer/types';
import { buildRedirectUrl } from '../shared/redirect-url';
import type { PipelineState, TraceState, TraceTarget } from './pipeline-state';
import { IncompleteState, requireLease } from './tasks';
import { httpStep } from './http-step';

export interface TraceTaskDeps {
  readonly credentials: ProviderCredentialsResolver;
  readonly config: {
    readonly allowPrivate: boolean;
    readonly httpDeadlineMs: number;
    readonly browserDeadlineMs: number;
  };
}

export function requireTarget(state: PipelineState): TraceTarget {
  const target = requireLease(state).target;
  if (!target) throw new IncompleteState('no trace target in the state: the lease was acquired by an older deployment');
  return target;
}

export async function tracerOptions(deps: TraceTaskDeps, state: PipelineState, target: TraceTarget, deadlineMs: number) {
  const lease = requireLease(state);
  const credentials = await deps.credentials.get(lease.provider);
  const proxy: ProxyConfig = { url: proxyUrl(lease, credentials) };
  return {
    proxy,
    device: state.request.device,
    country: lease.country,
    allowPrivate: deps.config.allowPrivate,
    clickIdParams: [...target.clickIdParams],
    deadlineMs,
  };
}

export async function traceWithHttp(deps: TraceTaskDeps, state: PipelineState): Promise<TraceState> {
  const target = requireTarget(state);
  const url = buildRedirectUrl(target.trackingUrl, state.request.params);
  const options = await tracerOptions(deps, state, target, deps.config.httpDeadlineMs);
  return httpStep(url, options, target);
}
