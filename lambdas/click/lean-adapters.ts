/**
 * The click function's adapters over the lean JSON-protocol client (lambdas/shared/aws-json-client.ts):
 * the same ports, items and messages as the SDK-client adapters, without the generated clients'
 * cold-start cost. Marshalling is the SDK's own (@aws-sdk/util-dynamodb), as lib-dynamodb uses.
 */
import { createHash } from 'node:crypto';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { SigningWindowPassed, type AwsJsonClient } from '../shared/aws-json-client';
import { liveOffer, offerKey, type OfferStore } from '../offers/offer-item';
import type { Offer } from '../offers/offer-schema';
import { newTraceId, type TraceRequest } from '../traces/trace-request';
import { PARK_SIGN_WINDOW_MS, parkKeyTime, parkedItem, traceRequestMessage, type TraceParking, type TraceQueue } from '../traces/trace-sink';
import { BOT_SKIPS_PK_PREFIX, botSkipsKey, type BotSkipCount, type BotSkipStore } from './bot-skips';

const MARSHALL = { removeUndefinedValues: true } as const;

export class LeanOfferStore implements OfferStore {
  constructor(
    private readonly dynamodb: AwsJsonClient,
    private readonly tableName: string,
  ) {}

  async get(offerId: string): Promise<Offer | undefined> {
    const { Item } = await this.dynamodb.call<{ Item?: Record<string, AttributeValue> }>('GetItem', {
      TableName: this.tableName,
      Key: marshall(offerKey(offerId)),
    });
    return liveOffer(Item ? unmarshall(Item) : undefined);
  }
}

export class LeanTraceQueue implements TraceQueue {
  constructor(
    private readonly sqs: AwsJsonClient,
    private readonly queueUrl: string,
  ) {}

  async send(request: TraceRequest): Promise<void> {
    const message = traceRequestMessage(this.queueUrl, request);
    const { MD5OfMessageBody } = await this.sqs.call<{ MD5OfMessageBody?: string }>('SendMessage', message);
    // The check the SDK's SQS client makes: the body SQS stored is the body we sent.
    const sent = createHash('md5').update(message.MessageBody).digest('hex');
    if (MD5OfMessageBody !== sent) throw new Error(`SendMessage body checksum mismatch (${MD5OfMessageBody} ≠ ${sent})`);
  }
}

export class LeanParkingTable implements TraceParking {
  constructor(
    private readonly dynamodb: AwsJsonClient,
    private readonly tableName: string,
  ) {}

  /**
   * Under the traceId while an attempt can be signed within PARK_SIGN_WINDOW_MS of the traceId's
   * time; past it (the hand-off was frozen with the environment) under a fresh key, which the
   * drain's settle margin then covers. The attempt that found the window passed sent nothing; an
   * earlier one that timed out may still have landed under the traceId, and then the click is
   * parked (and sent) twice, which the starter turns into a no-op.
   */
  async park(request: TraceRequest, now: number, reason: string): Promise<void> {
    let item = parkedItem(request, now, reason);
    for (let fresh = 0; ; fresh++) {
      try {
        await this.dynamodb.call('PutItem', { TableName: this.tableName, Item: marshall(item, MARSHALL) }, { notSignedAfter: parkKeyTime(item.sk) + PARK_SIGN_WINDOW_MS });
        return;
      } catch (error) {
        // A fresh key fails this way only if frozen again between its making and its signing.
        if (!(error instanceof SigningWindowPassed) || fresh >= 3) throw error;
        item = parkedItem(request, now, reason, newTraceId());
      }
    }
  }
}

export class LeanBotSkipStore implements BotSkipStore {
  constructor(
    private readonly dynamodb: AwsJsonClient,
    private readonly tableName: string,
    /** Whose count: the bot skips, or the clicks on paused offers (PAUSED_SKIPS_PK_PREFIX). */
    private readonly pkPrefix: string = BOT_SKIPS_PK_PREFIX,
  ) {}

  async put(count: BotSkipCount): Promise<void> {
    // A PutItem of this environment's own running total: the click's only write verb on Ops.
    await this.dynamodb.call('PutItem', {
      TableName: this.tableName,
      Item: marshall({ ...botSkipsKey(count.hour, count.offerId, count.instanceId, this.pkPrefix), skipped: count.skipped, expiresAt: count.expiresAt }),
    });
  }
}
