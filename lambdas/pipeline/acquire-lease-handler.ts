/** AcquireLease: mark the trace running and lease an IP (NoIpAvailable → Step Functions retries). */
import { eventHandler } from '../shared/middleware';
import { taskDeps } from './pipeline-deps';
import { acquireLease } from './tasks';
import type { PipelineState } from './pipeline-state';

export const handler = eventHandler(async (state: PipelineState) => acquireLease(taskDeps(), state));
