/** Shared fixtures for the analytics integration suites (not a test file: no `.test.ts`). */
import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { v7 as uuidv7 } from 'uuid';
import type { QueuedEvent } from '../../../lambdas/analytics/event-schema';
import type { QueueRecord } from '../../../lambdas/analytics/aggregator';

export const HOUR = 3_600_000;

export function makeEvent(overrides: Partial<QueuedEvent> = {}): QueuedEvent {
  const at = overrides.timestamp ?? Date.UTC(2026, 10, 23, 10, 15);
  return {
    v: 1,
    eventId: uuidv7(),
    type: 'impression',
    adUnitId: randomUUID(),
    campaignId: randomUUID(),
    creativeId: randomUUID(),
    pageUrl: 'https://publisher.example/article',
    timestamp: at,
    receivedAt: at,
    clientIp: '8.8.8.8',
    userAgent: 'Mozilla/5.0',
    ...overrides,
  };
}

export const toRecord = (event: QueuedEvent): QueueRecord => ({ messageId: randomUUID(), body: JSON.stringify(event) });

/** A redelivery: same body, new messageId (as SQS gives a new receipt, the id may repeat or not). */
export const redeliver = (records: readonly QueueRecord[]): QueueRecord[] => records.map((r) => ({ ...r, messageId: randomUUID() }));

export type Send = DynamoDBDocumentClient['send'];

/**
 * The real local client with a fault injected in front of chosen commands: simulates a crash or a
 * failed call at one exact step, while every other call goes to DynamoDB Local.
 */
export function faulty(
  doc: DynamoDBDocumentClient,
  shouldFail: (command: { constructor: { name: string }; input: unknown }) => boolean,
  { delayMs = 0 }: { delayMs?: number } = {},
): Pick<DynamoDBDocumentClient, 'send'> {
  return {
    send: ((command: { constructor: { name: string }; input: unknown }) => {
      if (shouldFail(command)) {
        const error = new Error(`injected failure: ${command.constructor.name}`);
        // A delay makes it a slow failure, as a timed-out request is: other requests go on meanwhile.
        return delayMs ? new Promise((_, reject) => setTimeout(() => reject(error), delayMs)) : Promise.reject(error);
      }
      return (doc.send as (c: unknown) => Promise<unknown>)(command);
    }) as Send,
  };
}

/** Shuffles in place (Fisher–Yates). */
export function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
