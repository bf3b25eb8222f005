/** AcquireLease: mark the trace running, lease an IP (NoIpAvailable → Step Functions retries), hand the tracers their target. */
import { eventHandler } from '../shared/middleware';
import { acquireLeaseDeps } from './pipeline-deps';
import { acquireLease } from './tasks';
import type { PipelineState } from './pipeline-state';

export const handler = eventHandler(async (state: PipelineState) => acquireLease(acquireLeaseDeps(), state));
