/** TraceBrowser: continue in headless Chromium (its own memory and timeout). */
import { eventHandler } from '../shared/middleware';
import { traceTaskDeps } from './pipeline-deps';
import { traceWithBrowser } from './browser-task';
import type { PipelineState } from './pipeline-state';

export const handler = eventHandler(async (state: PipelineState) => traceWithBrowser(traceTaskDeps(), state));
