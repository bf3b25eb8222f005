/** ReleaseLease: give the IP back with the outcome that decides its health. */
import { eventHandler } from '../shared/middleware';
import { releaseLeaseDeps } from './pipeline-deps';
import { releaseLease } from './tasks';
import type { PipelineState } from './pipeline-state';

export const handler = eventHandler(async (state: PipelineState) => releaseLease(releaseLeaseDeps(), state));
