/** Offers in the Catalog table, through the SDK's document client. */
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Offer } from './offer-schema';
import { offerKey, toOffer, type OfferStore } from './offer-item';

export class DynamoOfferRepository implements OfferStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(offerId: string): Promise<Offer | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: offerKey(offerId) }));
    return result.Item ? toOffer(result.Item) : undefined;
  }

  /** Upsert; createdAt survives updates. Returns the stored offer. */
  async put(offer: Omit<Offer, 'createdAt' | 'updatedAt'>, now: number): Promise<{ offer: Offer; created: boolean }> {
    const existing = await this.get(offer.offerId);
    const stored: Offer = { ...offer, createdAt: existing?.createdAt ?? now, updatedAt: now };
    await this.db.send(
      new PutCommand({ TableName: this.tableName, Item: { ...offerKey(offer.offerId), type: 'offer', ...stored } }),
    );
    return { offer: stored, created: !existing };
  }
}
