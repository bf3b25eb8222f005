/** TraceBrowser: continue in headless Chromium (its own memory and timeout). */
import { eventHandler } from '../shared/middleware';
import { builtOnFirstCall } from '../shared/built-on-first-call';
import { readTraceTaskConfig } from './config';
import { makeTraceTaskDeps } from './trace-task-deps';
import { traceWithBrowser } from './browser-task';
import type { TraceTaskDeps } from './trace-tasks';
import type { PipelineState } from './pipeline-state';

export const makeDeps = makeTraceTaskDeps;

export function makeHandler(deps: TraceTaskDeps) {
  return eventHandler(async (state: PipelineState) => traceWithBrowser(deps, state));
}

export const handler = builtOnFirstCall(() => makeHandler(makeDeps(readTraceTaskConfig())));
