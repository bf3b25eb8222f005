/** TraceHttp: follow the chain over HTTP through the leased proxy; say whether the browser is needed. */
import { eventHandler } from '../shared/middleware';
import { traceTaskDeps } from './pipeline-deps';
import { traceWithHttp } from './trace-tasks';
import type { PipelineState } from './pipeline-state';

export const handler = eventHandler(async (state: PipelineState) => traceWithHttp(traceTaskDeps(), state));
