/** The DocumentStore port (document-store.ts) on the SDK's document client, for every function but the lean ones. */
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DocumentItem, DocumentStore, GetInput, PutInput, QueryInput, UpdateInput } from './document-store';

export class SdkDocumentStore implements DocumentStore {
  constructor(private readonly doc: DynamoDBDocumentClient) {}

  async get(input: GetInput): Promise<{ Item?: DocumentItem }> {
    const { Item } = await this.doc.send(new GetCommand(input));
    return Item ? { Item } : {};
  }

  async put(input: PutInput): Promise<void> {
    await this.doc.send(new PutCommand(input));
  }

  async update(input: UpdateInput): Promise<{ Attributes?: DocumentItem }> {
    const { Attributes } = await this.doc.send(new UpdateCommand(input));
    return Attributes ? { Attributes } : {};
  }

  async query(input: QueryInput): Promise<{ Items: DocumentItem[]; LastEvaluatedKey?: DocumentItem }> {
    const out = await this.doc.send(new QueryCommand(input));
    return { Items: out.Items ?? [], ...(out.LastEvaluatedKey ? { LastEvaluatedKey: out.LastEvaluatedKey } : {}) };
  }
}
