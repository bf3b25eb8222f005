/** ReleaseLease: give the IP back with the outcome that decides its health. */
import { eventHandler } from '../shared/middleware';
import { taskDeps } from './pipeline-deps';
import { releaseLease } from './tasks';
import type { PipelineState } from './pipeline-state';

export const handler = eventHandler(async (state: PipelineState) => releaseLease(taskDeps(), state));
