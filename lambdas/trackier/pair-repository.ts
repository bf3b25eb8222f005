/**
 * Trackier settings and pairs in the Catalog table, on the SDK's document client: what offer
 * creation, the admin API and the URL2 updates write, on top of the reads and counters the webhook
 * shares (pair-reads.ts). Every write is a single-item conditional write (no transactions) and is
 * safe to repeat: counters are ADDs, campaign ids are written only where absent, the update
 * bookkeeping is keyed by trace id.
 */
import { PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PAIR_SK_PREFIX, pairKey, stripKeys, trackierKey, type SubIdMapping, type TrackierOfferSettings, type TrackierPair } from './pair';
import { isConditionFailure } from '../shared/dynamo-errors';
import { conditionalWrite } from '../shared/conditional-write';
import { queryItems } from '../shared/dynamo-query';
import { SdkDocumentStore } from '../shared/sdk-document-store';
import { PairReads, stripLock, toPair } from './pair-reads';

export { CAMPAIGN_INDEX, PairReads, WEBHOOK_TOKEN_INDEX } from './pair-reads';

export type CampaignSlot = 'url1' | 'url2';
const slotField = (slot: CampaignSlot) => (slot === 'url1' ? 'url1CampaignId' : 'url2CampaignId');
const intentField = (slot: CampaignSlot) => (slot === 'url1' ? 'url1Intent' : 'url2Intent');

export type UpdateClaim = 'claimed' | 'superseded' | 'busy' | 'missing';

export interface PairPatch {
  name?: string;
  enabled?: boolean;
  requireSignature?: boolean;
  /** null clears the pair's own mapping (it then follows the offer's). */
  subIdMapping?: SubIdMapping | null;
}

export class PairRepository extends PairReads {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    tableName: string,
  ) {
    super(new SdkDocumentStore(db), tableName);
  }

  // -- offer settings ------------------------------------------------------------------------

  /** Creates the settings, or raises pairCount / refreshes the given fields of existing ones. */
  async upsertSettings(settings: Omit<TrackierOfferSettings, 'createdAt' | 'updatedAt' | 'status'>, now: number): Promise<TrackierOfferSettings> {
    const out = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: trackierKey(settings.offerId),
        UpdateExpression:
          'SET #type = :type, offerId = :offerId, advertiserId = :adv, publisherId = :pub, #status = :creating, updatedAt = :now, ' +
          'createdAt = if_not_exists(createdAt, :now), pairCount = :count' +
          (settings.trackingDomain ? ', trackingDomain = :domain' : '') +
          (settings.subIdMapping ? ', subIdMapping = :mapping' : ''),
        ConditionExpression: 'attribute_not_exists(pairCount) OR pairCount <= :count',
        ExpressionAttributeNames: { '#type': 'type', '#status': 'status' },
        ExpressionAttributeValues: {
          ':type': 'trackier',
          ':offerId': settings.offerId,
          ':adv': settings.advertiserId,
          ':pub': settings.publisherId,
          ':creating': 'creating',
          ':now': now,
          ':count': settings.pairCount,
          ...(settings.trackingDomain ? { ':domain': settings.trackingDomain } : {}),
          ...(settings.subIdMapping ? { ':mapping': settings.subIdMapping } : {}),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return stripLock(stripKeys<TrackierOfferSettings>(out.Attributes ?? {}));
  }

  async setStatus(offerId: string, status: TrackierOfferSettings['status'], now: number, lastError?: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: trackierKey(offerId),
        UpdateExpression: lastError ? 'SET #status = :s, updatedAt = :now, lastError = :e' : 'SET #status = :s, updatedAt = :now REMOVE lastError',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':s': status, ':now': now, ...(lastError ? { ':e': lastError.slice(0, 500) } : {}) },
      }),
    );
  }

  /** One creation run per offer at a time; an abandoned lock expires after ttlMs. */
  async acquireCreationLock(offerId: string, owner: string, now: number, ttlMs: number): Promise<boolean> {
    const written = await conditionalWrite(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: trackierKey(offerId),
          UpdateExpression: 'SET lockOwner = :owner, lockUntil = :until',
          ConditionExpression: 'attribute_not_exists(lockUntil) OR lockUntil < :now OR lockOwner = :owner',
          ExpressionAttributeValues: { ':owner': owner, ':until': now + ttlMs, ':now': now },
        }),
      ),
    );
    return written.ok;
  }

  async releaseCreationLock(offerId: string, owner: string): Promise<void> {
    await conditionalWrite(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: trackierKey(offerId),
          UpdateExpression: 'REMOVE lockOwner, lockUntil',
          ConditionExpression: 'lockOwner = :owner',
          ExpressionAttributeValues: { ':owner': owner },
        }),
      ),
    );
  }

  // -- pairs ---------------------------------------------------------------------------------

  async listPairs(offerId: string): Promise<TrackierPair[]> {
    const { items } = await queryItems(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': `offer#${offerId}`, ':prefix': PAIR_SK_PREFIX },
      ConsistentRead: true,
    });
    return items.map(toPair).sort((a, b) => a.pairNumber - b.pairNumber);
  }

  /** Writes the pair unless it exists; returns what is stored either way (its token is kept). */
  async ensurePair(pair: TrackierPair): Promise<TrackierPair> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...pairKey(pair.offerId, pair.pairNumber), type: 'trackier_pair', ...pair },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return pair;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const existing = await this.getPair(pair.offerId, pair.pairNumber);
      if (!existing) throw error;
      return existing;
    }
  }

  /** Marks that a creation for this slot is about to be sent (what a resumed run looks up). */
  async markIntent(offerId: string, pairNumber: number, slot: CampaignSlot, title: string, now: number): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: pairKey(offerId, pairNumber),
        UpdateExpression: 'SET #intent = :intent',
        ExpressionAttributeNames: { '#intent': intentField(slot) },
        ExpressionAttributeValues: { ':intent': { title, at: now } },
      }),
    );
  }

  /** Records a created campaign id where none is recorded yet; returns the id that is stored. */
  async recordCampaign(offerId: string, pairNumber: number, slot: CampaignSlot, campaignId: string, now: number, extra: Record<string, string> = {}): Promise<string> {
    const field = slotField(slot);
    const extraNames = Object.keys(extra);
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: pairKey(offerId, pairNumber),
          UpdateExpression: `SET #field = :id, updatedAt = :now${extraNames.map((_, i) => `, #x${i} = :x${i}`).join('')} REMOVE #intent`,
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#field)',
          ExpressionAttributeNames: {
            '#field': field,
            '#intent': intentField(slot),
            ...Object.fromEntries(extraNames.map((name, i) => [`#x${i}`, name])),
          },
          ExpressionAttributeValues: {
            ':id': campaignId,
            ':now': now,
            ...Object.fromEntries(extraNames.map((name, i) => [`:x${i}`, extra[name]])),
          },
        }),
      );
      return campaignId;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const existing = await this.getPair(offerId, pairNumber);
      const stored = existing?.[field];
      if (!stored) throw error;
      return stored;
    }
  }

  async setTemplate(offerId: string, pairNumber: number, template: string, now: number): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: pairKey(offerId, pairNumber),
        UpdateExpression: 'SET googleAdsTemplate = :t, updatedAt = :now',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':t': template, ':now': now },
      }),
    );
  }

  /**
   * Takes the pair's URL2 update slot for an update of this order: refused when an update of the
   * same or a newer webhook was already recorded ('superseded'), or while another update holds the
   * slot ('busy'). The slot is what keeps two Trackier calls for one pair from crossing in flight;
   * it expires after holdMs, which must outlast any one update call (the update function's
   * timeout), so a crashed holder cannot block the pair for longer.
   */
  async claimUpdate(offerId: string, pairNumber: number, order: string, owner: string, now: number, holdMs: number): Promise<UpdateClaim> {
    const claimed = await conditionalWrite(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: pairKey(offerId, pairNumber),
          UpdateExpression: 'SET updateLockOwner = :owner, updateLockUntil = :until',
          ConditionExpression:
            'attribute_exists(pk) AND (attribute_not_exists(lastUpdateOrder) OR lastUpdateOrder < :order) AND ' +
            '(attribute_not_exists(updateLockUntil) OR updateLockUntil < :now OR updateLockOwner = :owner)',
          ExpressionAttributeValues: { ':owner': owner, ':until': now + holdMs, ':order': order, ':now': now },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
    if (claimed.ok) return 'claimed';
    if (!claimed.old) return 'missing';
    const recorded = typeof claimed.old.lastUpdateOrder === 'string' ? claimed.old.lastUpdateOrder : undefined;
    return recorded !== undefined && recorded >= order ? 'superseded' : 'busy';
  }

  /** Gives the slot back (after a failed call), if this owner still holds it. */
  async releaseUpdate(offerId: string, pairNumber: number, owner: string): Promise<void> {
    await conditionalWrite(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: pairKey(offerId, pairNumber),
          UpdateExpression: 'REMOVE updateLockOwner, updateLockUntil',
          ConditionExpression: 'updateLockOwner = :owner',
          ExpressionAttributeValues: { ':owner': owner },
        }),
      ),
    );
  }

  /**
   * update_count + 1, last_update_at and sub_id_values, once per trace: a repeated call for the
   * same trace (Step Functions retrying the task, a side-effect retry racing the task) is a no-op.
   * With an order (updateOrderKey), only when no newer update is recorded; it also frees the slot
   * claimUpdate took.
   */
  async recordUpdate(offerId: string, pairNumber: number, traceId: string, values: Record<string, string>, now: number, order?: string): Promise<boolean> {
    const written = await conditionalWrite(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: pairKey(offerId, pairNumber),
          UpdateExpression:
            'ADD update_count :one SET last_update_at = :now, sub_id_values = :values, lastUpdateTraceId = :trace' +
            (order ? ', lastUpdateOrder = :order REMOVE updateLockOwner, updateLockUntil' : ''),
          ConditionExpression:
            'attribute_exists(pk) AND (attribute_not_exists(lastUpdateTraceId) OR lastUpdateTraceId <> :trace)' +
            (order ? ' AND (attribute_not_exists(lastUpdateOrder) OR lastUpdateOrder < :order)' : ''),
          ExpressionAttributeValues: { ':one': 1, ':now': now, ':values': values, ':trace': traceId, ...(order ? { ':order': order } : {}) },
        }),
      ),
    );
    return written.ok;
  }

  /** Applies a patch to an existing pair; undefined when the pair does not exist. */
  async patchPair(offerId: string, pairNumber: number, patch: PairPatch, now: number): Promise<TrackierPair | undefined> {
    const sets = ['updatedAt = :now'];
    const removes: string[] = [];
    const values: Record<string, unknown> = { ':now': now };
    const names: Record<string, string> = {};
    if (patch.name !== undefined) {
      sets.push('#name = :name');
      names['#name'] = 'name';
      values[':name'] = patch.name;
    }
    if (patch.enabled !== undefined) {
      sets.push('enabled = :enabled');
      values[':enabled'] = patch.enabled;
    }
    if (patch.requireSignature !== undefined) {
      sets.push('requireSignature = :signed');
      values[':signed'] = patch.requireSignature;
    }
    if (patch.subIdMapping === null) removes.push('subIdMapping');
    else if (patch.subIdMapping !== undefined) {
      sets.push('subIdMapping = :mapping');
      values[':mapping'] = patch.subIdMapping;
    }
    const written = await conditionalWrite(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: pairKey(offerId, pairNumber),
          UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: 'attribute_exists(pk)',
          ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return written.ok && written.value.Attributes ? toPair(written.value.Attributes) : undefined;
  }
}

/** The recorded creation intent of a slot (set just before a create call, removed when the id is stored). */
export function intentOf(pair: TrackierPair, slot: CampaignSlot): { title: string; at: number } | undefined {
  return (pair as unknown as Record<string, { title: string; at: number } | undefined>)[intentField(slot)];
}
