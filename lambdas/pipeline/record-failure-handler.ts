/** RecordFailure: a failure without a result (no IP, crashed or timed-out task) → retry or dead letter. */
import { eventHandler } from '../shared/middleware';
import { recordFailureDeps } from './pipeline-deps';
import { recordFailure } from './tasks';
import type { PipelineState } from './pipeline-state';

export const handler = eventHandler(async (state: PipelineState) => recordFailure(recordFailureDeps(), state));
