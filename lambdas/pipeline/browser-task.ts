/** The TraceBrowser task: the only function whose bundle carries puppeteer and Chromium. */
import type { PipelineState, TraceState } from './pipeline-state';
import { requireOffer, type TaskDeps } from './tasks';
import { tracerOptions } from './trace-tasks';
import { browserStep } from './browser-step';

export async function traceWithBrowser(deps: TaskDeps, state: PipelineState): Promise<TraceState> {
  if (!state.trace) throw new Error('TraceBrowser runs after TraceHttp');
  const offer = await requireOffer(deps, state.request.offerId);
  const options = await tracerOptions(deps, state, offer, deps.config.browserDeadlineMs);
  return browserStep(state.trace, options);
}
