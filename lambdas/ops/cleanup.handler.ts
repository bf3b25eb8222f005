/** The daily Ops cleanup (EventBridge schedule): see lambdas/ops/cleanup.ts for what TTL leaves. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { eventHandler } from '../shared/middleware';
import { dynamo } from '../shared/aws-clients';
import { logger } from '../shared/powertools';
import { defaultPruneTargets, runCleanup, type CleanupDeps, type PruneTarget } from './cleanup';
import { dynamoPruneStore } from './ops-table';
import { readCleanupConfig, type CleanupConfig } from './config';
import { builtOnFirstCall } from './wiring';

export interface CleanupHandlerDeps {
  readonly cleanup: CleanupDeps;
  readonly targets: readonly PruneTarget[];
}

export function makeDeps(config: CleanupConfig, clients: { doc: DynamoDBDocumentClient } = { doc: dynamo() }): CleanupHandlerDeps {
  return { cleanup: { store: dynamoPruneStore({ doc: clients.doc, opsTable: config.opsTable }), clock: Date.now }, targets: defaultPruneTargets(config.retention) };
}

export function makeHandler(deps: CleanupHandlerDeps) {
  return eventHandler(async () => {
    const result = await runCleanup(deps.cleanup, deps.targets);
    logger.info('ops cleanup', { ...result });
    return result;
  });
}

export const handler = builtOnFirstCall(() => makeHandler(makeDeps(readCleanupConfig())));
