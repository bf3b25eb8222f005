/**
 * The DynamoDB calls a repository makes, with plain JavaScript items (the document client's
 * shapes), as a port: one repository class then runs on the SDK's document client
 * (sdk-document-store.ts) or on the lean JSON-protocol client (below), which a function whose cold
 * start a caller waits on uses instead of the generated client (see aws-json-client.ts).
 * Marshalling is the SDK's own (@aws-sdk/util-dynamodb), with the options dynamo() gives the
 * document client, so both write the same items.
 */
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { AwsJsonClient } from './aws-json-client';

export type DocumentItem = Record<string, unknown>;

interface Expressions {
  readonly ExpressionAttributeNames?: Record<string, string>;
  readonly ExpressionAttributeValues?: DocumentItem;
}

export interface GetInput {
  readonly TableName: string;
  readonly Key: DocumentItem;
  readonly ConsistentRead?: boolean;
}

export interface PutInput extends Expressions {
  readonly TableName: string;
  readonly Item: DocumentItem;
  readonly ConditionExpression?: string;
}

export interface UpdateInput extends Expressions {
  readonly TableName: string;
  readonly Key: DocumentItem;
  readonly UpdateExpression: string;
  readonly ConditionExpression?: string;
  readonly ReturnValues?: 'NONE' | 'ALL_OLD' | 'UPDATED_OLD' | 'ALL_NEW' | 'UPDATED_NEW';
}

export interface QueryInput extends Expressions {
  readonly TableName: string;
  readonly IndexName?: string;
  readonly KeyConditionExpression: string;
  readonly ConsistentRead?: boolean;
  readonly Limit?: number;
  readonly ExclusiveStartKey?: DocumentItem;
}

export interface DocumentStore {
  get(input: GetInput): Promise<{ Item?: DocumentItem }>;
  /** A failed condition throws an error named ConditionalCheckFailedException (isConditionFailed). */
  put(input: PutInput): Promise<void>;
  update(input: UpdateInput): Promise<{ Attributes?: DocumentItem }>;
  /** One page. */
  query(input: QueryInput): Promise<{ Items: DocumentItem[]; LastEvaluatedKey?: DocumentItem }>;
}

/**
 * A conditional write lost. By name only: the SDK's exception and the lean client's error both
 * carry it, and importing the SDK's class would bring the generated client into a lean bundle.
 */
export const isConditionFailed = (error: unknown): boolean => error instanceof Error && error.name === 'ConditionalCheckFailedException';

type Wire = Record<string, AttributeValue>;
const MARSHALL = { removeUndefinedValues: true } as const;
const toWire = (item: DocumentItem): Wire => marshall(item, MARSHALL);
const values = (input: Expressions) => (input.ExpressionAttributeValues ? { ExpressionAttributeValues: toWire(input.ExpressionAttributeValues) } : {});

/** The store on the lean client: the same requests the document client sends, marshalled here. */
export class AwsJsonDocumentStore implements DocumentStore {
  constructor(private readonly dynamodb: AwsJsonClient) {}

  async get(input: GetInput): Promise<{ Item?: DocumentItem }> {
    const { Item } = await this.dynamodb.call<{ Item?: Wire }>('GetItem', { ...input, Key: toWire(input.Key) });
    return Item ? { Item: unmarshall(Item) } : {};
  }

  async put(input: PutInput): Promise<void> {
    await this.dynamodb.call('PutItem', { ...input, Item: toWire(input.Item), ...values(input) });
  }

  async update(input: UpdateInput): Promise<{ Attributes?: DocumentItem }> {
    const { Attributes } = await this.dynamodb.call<{ Attributes?: Wire }>('UpdateItem', { ...input, Key: toWire(input.Key), ...values(input) });
    return Attributes ? { Attributes: unmarshall(Attributes) } : {};
  }

  async query(input: QueryInput): Promise<{ Items: DocumentItem[]; LastEvaluatedKey?: DocumentItem }> {
    const out = await this.dynamodb.call<{ Items?: Wire[]; LastEvaluatedKey?: Wire }>('Query', {
      ...input,
      ...values(input),
      ...(input.ExclusiveStartKey ? { ExclusiveStartKey: toWire(input.ExclusiveStartKey) } : {}),
    });
    return {
      Items: (out.Items ?? []).map((item) => unmarshall(item)),
      ...(out.LastEvaluatedKey ? { LastEvaluatedKey: unmarshall(out.LastEvaluatedKey) } : {}),
    };
  }
}
