/**
 * EventBridge's PutEvents, in memory: where the health check's alert events go locally (in AWS a
 * rule forwards them to the alarm topic). Kept so tests and operators can see what was published.
 */
import { randomUUID } from 'node:crypto';
import type { JsonRpcHandlers } from './json-rpc-server';

export interface PublishedEvent {
  readonly source?: string;
  readonly detailType?: string;
  readonly detail?: string;
  readonly eventBusName?: string;
}

export class LocalEventBridge {
  readonly events: PublishedEvent[] = [];

  handlers(): JsonRpcHandlers {
    return {
      'AWSEvents.PutEvents': async (input) => {
        const entries = Array.isArray(input.Entries) ? (input.Entries as Record<string, unknown>[]) : [];
        for (const entry of entries) {
          this.events.push({
            source: entry.Source as string | undefined,
            detailType: entry.DetailType as string | undefined,
            detail: entry.Detail as string | undefined,
            eventBusName: entry.EventBusName as string | undefined,
          });
        }
        return { FailedEntryCount: 0, Entries: entries.map(() => ({ EventId: randomUUID() })) };
      },
    };
  }
}
