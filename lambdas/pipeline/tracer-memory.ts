/**
 * The tracer's per-offer mode memory, in the TracerMemory table: which mode last resolved an offer,
 * on which version of it (its updatedAt, so an edited offer is learned afresh), and counts per mode
 * (atomic ADDs). AcquireLease reads it into the trace target and StoreResult records completed
 * traces; the trace functions themselves never touch it.
 */
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TraceMode } from '../tracer/types';

export interface LearnedMode {
  readonly mode: TraceMode;
  /** The offer's updatedAt when the mode was learned. */
  readonly offerVersion: number;
}

export interface TracerMemory {
  get(offerId: string): Promise<LearnedMode | undefined>;
  record(offerId: string, learned: LearnedMode, now: number): Promise<void>;
}

const isTraceMode = (value: unknown): value is TraceMode => value === 'http' || value === 'browser';

export class DynamoTracerMemory implements TracerMemory {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(offerId: string): Promise<LearnedMode | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { offerId }, ProjectionExpression: 'learnedMode, offerVersion' }));
    if (!isTraceMode(Item?.learnedMode) || typeof Item.offerVersion !== 'number') return undefined;
    return { mode: Item.learnedMode, offerVersion: Item.offerVersion };
  }

  async record(offerId: string, learned: LearnedMode, now: number): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { offerId },
        UpdateExpression: 'SET learnedMode = :mode, learnedAt = :now, offerVersion = :version ADD #count :one',
        ExpressionAttributeNames: { '#count': learned.mode === 'browser' ? 'browserResolved' : 'httpResolved' },
        ExpressionAttributeValues: { ':mode': learned.mode, ':now': now, ':version': learned.offerVersion, ':one': 1 },
      }),
    );
  }
}
