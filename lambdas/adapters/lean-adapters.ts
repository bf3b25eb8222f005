/**
 * The click function's adapters over the lean JSON-protocol client (lambdas/shared/aws-json-client.ts):
 * the same ports, items and messages as the SDK-client adapters, without the generated clients'
 * cold-start cost. Marshalling is the SDK's own (@aws-sdk/util-dynamodb), as lib-dynamodb uses.
 */
import { createHash } from 'node:crypto';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { AwsJsonClient } from '../shared/aws-json-client';
import { offerKey, toOffer, type OfferStore } from '../offers/offer-item';
import type { Offer } from '../offers/offer-schema';
import type { TraceRequest } from '../trace-requests/trace-request';
import { parkedItem, traceRequestMessage, type TraceParking, type TraceQueue } from './trace-sink';
import { botSkipsKey, type BotSkipStore } from '../click/bot-skips';

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
    return Item ? toOffer(unmarshall(Item)) : undefined;
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

  async park(request: TraceRequest, now: number, reason: string): Promise<void> {
    await this.dynamodb.call('PutItem', { TableName: this.tableName, Item: marshall(parkedItem(request, now, reason), MARSHALL) });
  }
}

export class LeanBotSkipStore implements BotSkipStore {
  constructor(
    private readonly dynamodb: AwsJsonClient,
    private readonly tableName: string,
  ) {}

  async add(offerId: string, hour: string, count: number, expiresAt: number): Promise<void> {
    await this.dynamodb.call('UpdateItem', {
      TableName: this.tableName,
      Key: marshall(botSkipsKey(hour, offerId)),
      // ADD creates the count at the first skip of the hour; concurrent environments never lose one.
      UpdateExpression: 'ADD skipped :n SET expiresAt = :exp',
      ExpressionAttributeValues: marshall({ ':n': count, ':exp': expiresAt }),
    });
  }
}
