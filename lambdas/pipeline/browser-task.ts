/** The TraceBrowser task: the only function whose bundle carries puppeteer and Chromium. */
import type { PipelineState, TraceState } from './pipeline-state';
import { requireTarget, tracerOptions, type TraceTaskDeps } from './trace-tasks';
import { browserStep } from './browser-step';

export async function traceWithBrowser(deps: TraceTaskDeps, state: PipelineState): Promise<TraceState> {
  if (!state.trace) throw new Error('TraceBrowser runs after TraceHttp');
  const options = await tracerOptions(deps, state, requireTarget(state), deps.config.browserDeadlineMs);
  return browserStep(state.trace, options);
}
