/** Offers in the Catalog table, through the SDK's document client. */
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { traceVersionOf, type Offer } from './offer-schema';
import { offerKey, toOffer, type OfferStore } from './offer-item';

export type OfferFields = Omit<Offer, 'createdAt' | 'updatedAt' | 'traceVersion'>;

export class DynamoOfferRepository implements OfferStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(offerId: string): Promise<Offer | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: offerKey(offerId) }));
    return result.Item ? toOffer(result.Item) : undefined;
  }

  /**
   * Creates or replaces the operator's fields of an offer in one UpdateItem. Only the body's fields
   * are set (an optional one left out is removed), so whatever else lives on the item — counters,
   * what other writers keep there — stays, and `createdAt` is set only by the write that creates
   * the item: two PUTs racing on a new offer agree on it, with no read before the write.
   */
  async put(offer: OfferFields, now: number): Promise<{ offer: Offer; created: boolean }> {
    const { offerId, ...fields } = offer;
    const set: string[] = ['#type = :type', 'offerId = :offerId', 'updatedAt = :now', 'traceVersion = :traceVersion', 'createdAt = if_not_exists(createdAt, :now)'];
    const remove: string[] = [];
    const names: Record<string, string> = { '#type': 'type' };
    const values: Record<string, unknown> = { ':type': 'offer', ':offerId': offerId, ':now': now, ':traceVersion': traceVersionOf(offer) };
    for (const [index, [name, value]] of Object.entries(fields).entries()) {
      names[`#f${index}`] = name;
      if (value === undefined) remove.push(`#f${index}`);
      else {
        set.push(`#f${index} = :f${index}`);
        values[`:f${index}`] = value;
      }
    }
    const { Attributes: before } = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: offerKey(offerId),
        UpdateExpression: `SET ${set.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        // The item as it was: whether this write created the offer, and what it kept.
        ReturnValues: 'ALL_OLD',
      }),
    );
    const created = before?.createdAt === undefined;
    const after: Record<string, unknown> = { ...before, ...offer, updatedAt: now, traceVersion: values[':traceVersion'], createdAt: created ? now : before?.createdAt };
    for (const [name, value] of Object.entries(fields)) if (value === undefined) delete after[name];
    return { offer: toOffer(after), created };
  }
}
