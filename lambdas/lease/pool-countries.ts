/** The countries the pool has ever held: a string set in Ops, grown by imports. */
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { OPS_KEYS } from './ip-item';

export async function knownCountries(doc: DynamoDBDocumentClient, opsTable: string): Promise<string[]> {
  const got = await doc.send(new GetCommand({ TableName: opsTable, Key: OPS_KEYS.countries }));
  const set = got.Item?.countries as Set<string> | undefined;
  return set ? [...set].sort() : [];
}
