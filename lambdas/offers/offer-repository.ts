/** Offers in the Catalog table, through the SDK's document client. */
import { GetCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { traceVersionOf, type Offer, type OfferFields } from './offer-schema';
import { liveOffer, offerKey, toOffer, type OfferStore } from './offer-item';
import { conditionalWrite } from '../shared/conditional-write';

export type { OfferFields };

export class DynamoOfferRepository implements OfferStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The offer as the click, the pipeline and the webhooks see it: a soft-deleted one is absent. */
  async get(offerId: string): Promise<Offer | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: offerKey(offerId) }));
    return liveOffer(result.Item);
  }

  /** The offer whether deleted or not (`deletedAt` says): what the operator's routes show and restore. */
  async read(offerId: string): Promise<Offer | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: offerKey(offerId), ConsistentRead: true }));
    return result.Item ? toOffer(result.Item) : undefined;
  }

  /**
   * Sets or clears `deletedAt` / `pausedAt` on an existing offer, bumping `updatedAt` as PUT does.
   * `traceVersion` is written only where the item has none (an offer stored before it existed):
   * PUT keeps it current whenever the traced settings change, and a pause or delete changes none
   * of them, so what the tracer learned stays valid. Undefined when there is no such offer.
   */
  async setFlag(offerId: string, flag: 'deletedAt' | 'pausedAt', on: boolean, now: number, current: Offer): Promise<Offer | undefined> {
    const written = await conditionalWrite(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: offerKey(offerId),
          UpdateExpression: `SET updatedAt = :now, traceVersion = if_not_exists(traceVersion, :traceVersion)${on ? ', #flag = :now' : ''}${on ? '' : ' REMOVE #flag'}`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#flag': flag },
          ExpressionAttributeValues: { ':now': now, ':traceVersion': traceVersionOf(current) },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return written.ok && written.value.Attributes ? toOffer(written.value.Attributes) : undefined;
  }

  /**
   * One page of offers in the table's own order (a Scan: the Catalog has no index of offers, and
   * an operator's catalogue is small next to what a Scan page reads). `keep` filters in memory; the
   * scan stops once `limit` offers are kept or `maxReads` pages were read, and `next` is where the
   * next page starts: the key of the last offer returned when the page filled up, else DynamoDB's
   * own. Trackier pairs share the table and are skipped by the filter.
   */
  async list(options: {
    limit: number;
    start?: Record<string, unknown>;
    keep: (offer: Offer) => boolean;
    maxReads?: number;
  }): Promise<{ offers: Offer[]; next?: Record<string, unknown> }> {
    const offers: Offer[] = [];
    let start = options.start;
    for (let reads = 0; reads < (options.maxReads ?? 5); reads++) {
      const page = await this.db.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'sk = :offer',
          ExpressionAttributeValues: { ':offer': 'offer' },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        const offer = toOffer(item);
        if (!options.keep(offer)) continue;
        offers.push(offer);
        if (offers.length === options.limit) return { offers, next: offerKey(offer.offerId) };
      }
      start = page.LastEvaluatedKey;
      if (!start) return { offers };
    }
    return { offers, next: start };
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
