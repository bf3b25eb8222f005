/**
 * The tracer's per-offer mode memory, backed by the offer item in the Catalog table: which mode
 * last resolved the offer, and counts per mode (atomic ADDs) for the monitor.
 */
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ModeMemory } from '../tracer/auto-tracer';
import type { TraceMode } from '../tracer/types';
import type { OfferStore } from '../offers/offer-item';
import { offerKey } from '../offers/offer-item';

export class CatalogModeMemory implements ModeMemory {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly offers: OfferStore,
  ) {}

  async get(offerId: string): Promise<TraceMode | undefined> {
    const offer = (await this.offers.get(offerId)) as { learnedMode?: TraceMode } | undefined;
    return offer?.learnedMode;
  }

  async record(offerId: string, mode: TraceMode): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: offerKey(offerId),
        UpdateExpression: 'SET learnedMode = :mode, learnedAt = :now ADD #count :one',
        // Only for offers that exist: never create a half offer item.
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#count': mode === 'browser' ? 'browserResolved' : 'httpResolved' },
        ExpressionAttributeValues: { ':mode': mode, ':now': Date.now(), ':one': 1 },
      }),
    );
  }
}
