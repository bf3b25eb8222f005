/** The DynamoDB writes of an IP import (ip-import.ts): IpPool items and the country registry in Ops. */
import { PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { conditionalWrite, unlessConditionFails } from '../shared/conditional-write';
import { OPS_KEYS, type IpItem } from './ip-item';
import type { IpImportStore } from './ip-import';
import type { LeaseTables } from './lease-pool';

export function dynamoIpImportStore(doc: DynamoDBDocumentClient, tables: LeaseTables): IpImportStore {
  const update = async (
    ipId: string,
    input: { ConditionExpression: string; UpdateExpression: string; ExpressionAttributeValues: Record<string, unknown>; ExpressionAttributeNames?: Record<string, string> },
  ): Promise<Partial<IpItem> | undefined> => {
    const out = await unlessConditionFails(() => doc.send(new UpdateCommand({ TableName: tables.ipPool, Key: { ipId }, ReturnValues: 'ALL_NEW', ...input })));
    return out?.Attributes as Partial<IpItem> | undefined;
  };
  return {
    async registerCountries(countries) {
      await doc.send(
        new UpdateCommand({
          TableName: tables.ops,
          Key: OPS_KEYS.countries,
          UpdateExpression: 'ADD countries :countries',
          ExpressionAttributeValues: { ':countries': new Set(countries) },
        }),
      );
    },
    async create(item) {
      const created = await conditionalWrite(() => doc.send(new PutCommand({ TableName: tables.ipPool, Item: item, ConditionExpression: 'attribute_not_exists(ipId)' })));
      return created.ok;
    },
    updateOperatorFields: (record, now) =>
      update(record.ipId, {
        ConditionExpression: 'attribute_exists(ipId)',
        UpdateExpression: 'SET host = :host, #port = :port, provider = :provider, country = :country, enabled = :enabled, updatedAt = :now',
        ExpressionAttributeNames: { '#port': 'port' },
        ExpressionAttributeValues: {
          ':host': record.host,
          ':port': record.port,
          ':provider': record.provider,
          ':country': record.country,
          ':enabled': record.enabled,
          ':now': now,
        },
      }),
    async unlist(ipId, now) {
      await update(ipId, {
        ConditionExpression: 'enabled = :false AND (attribute_not_exists(leaseOwner) OR availableAt <= :now)',
        UpdateExpression: 'REMOVE availableAt',
        ExpressionAttributeValues: { ':false': false, ':now': now },
      });
    },
    async relist(ipId, now) {
      await update(ipId, {
        ConditionExpression: 'enabled = :true AND healthy = :true AND attribute_not_exists(availableAt)',
        UpdateExpression: 'SET availableAt = :now',
        ExpressionAttributeValues: { ':true': true, ':now': now },
      });
    },
  };
}
