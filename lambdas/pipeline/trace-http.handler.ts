/** TraceHttp: follow the chain over HTTP through the leased proxy; say whether the browser is needed. */
import { eventHandler } from '../shared/middleware';
import { builtOnFirstCall } from '../shared/built-on-first-call';
import { readTraceTaskConfig } from './config';
import { makeTraceTaskDeps } from './trace-task-deps';
import { traceWithHttp, type TraceTaskDeps } from './trace-tasks';
import type { PipelineState } from './pipeline-state';

export const makeDeps = makeTraceTaskDeps;

export function makeHandler(deps: TraceTaskDeps) {
  return eventHandler(async (state: PipelineState) => traceWithHttp(deps, state));
}

export const handler = builtOnFirstCall(() => makeHandler(makeDeps(readTraceTaskConfig())));
