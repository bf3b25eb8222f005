/** StoreResult: store the result under the lease fence and decide completed / retry / failed. */
import { eventHandler } from '../shared/middleware';
import { storeResultDeps } from './pipeline-deps';
import { storeResult } from './tasks';
import type { PipelineState } from './pipeline-state';

export const handler = eventHandler(async (state: PipelineState) => storeResult(storeResultDeps(), state));
