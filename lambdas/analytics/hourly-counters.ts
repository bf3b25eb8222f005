/** The hourly aggregates in the Analytics table, read for the metrics query (keys.ts has the layout). */
import type { DynamoDBDocumentClient, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { queryItems } from '../shared/dynamo-query';
import { aggPk, campaignIndexPk, hourSk } from './keys';
import type { AggregatePartition, HourlyCounter, HourlyCounters } from './hourly-metrics';

export class DynamoHourlyCounters implements HourlyCounters {
  constructor(
    private readonly doc: Pick<DynamoDBDocumentClient, 'send'>,
    /** The Analytics table. */
    private readonly tableName: string,
  ) {}

  async partitions(campaignId: string): Promise<AggregatePartition[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': campaignIndexPk(campaignId) },
      ProjectionExpression: 'adUnitId, accountId',
    });
    return items.map((i) => ({ adUnitId: String(i.adUnitId), accountId: String(i.accountId) }));
  }

  async hours(campaignId: string, partition: AggregatePartition, fromHour: string, toHour: string): Promise<HourlyCounter[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':pk': aggPk(partition.accountId, campaignId, partition.adUnitId),
        ':from': hourSk(fromHour),
        ':to': hourSk(toHour),
      },
      // Only the counters: aggregate items also carry tok_* bookkeeping attributes.
      ProjectionExpression: 'sk, impressions, clicks, #req, revenue_cents',
      ExpressionAttributeNames: { '#req': 'requests' },
    });
    return items.map((i) => {
      const impressions = Number(i.impressions ?? 0);
      const clicks = Number(i.clicks ?? 0);
      return {
        hour: String(i.sk).slice(hourSk('').length),
        impressions,
        clicks,
        // Items aggregated before `requests` existed: every event then was an impression or a click.
        requests: i.requests === undefined ? impressions + clicks : Number(i.requests),
        revenueCents: Number(i.revenue_cents ?? 0),
      };
    });
  }

  private async queryAll(input: Omit<QueryCommandInput, 'TableName' | 'Limit' | 'ExclusiveStartKey'>) {
    return (await queryItems(this.doc, { ...input, TableName: this.tableName })).items;
  }
}
