/**
 * DynamoDB table definitions shared by the CDK stateful stack and the local stack, so a key or
 * index can never exist in one and not the other. Pure data: no CDK or SDK imports.
 */
export type KeyType = 'S' | 'N';
export interface KeyAttr {
  readonly name: string;
  readonly type: KeyType;
}
export interface IndexDef {
  readonly indexName: string;
  readonly partitionKey: KeyAttr;
  readonly sortKey?: KeyAttr;
  /** KEYS_ONLY keeps the sparse lease index cheap; ALL where the reader needs the whole item. */
  readonly projection: 'ALL' | 'KEYS_ONLY';
}
export interface TableDef {
  /** Logical id, also the suffix of the local table name. */
  readonly id: TableId;
  readonly partitionKey: KeyAttr;
  readonly sortKey?: KeyAttr;
  readonly indexes: readonly IndexDef[];
  /** Attribute holding the epoch-seconds expiry, when the table uses DynamoDB TTL. */
  readonly ttlAttribute?: string;
  readonly description: string;
}

export type TableId = 'Catalog' | 'IpPool' | 'Traces' | 'Analytics' | 'Ops' | 'TracerMemory';

export const TABLES: Record<TableId, TableDef> = {
  Catalog: {
    id: 'Catalog',
    description: 'Offers (pk offer#<id>, sk "offer") and Trackier pairs (sk pair#<nnn>).',
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    indexes: [
      { indexName: 'byWebhookToken', partitionKey: { name: 'webhookToken', type: 'S' }, projection: 'ALL' },
      { indexName: 'byCampaign', partitionKey: { name: 'url1CampaignId', type: 'S' }, projection: 'ALL' },
    ],
  },
  IpPool: {
    id: 'IpPool',
    description: 'One item per proxy endpoint; availableAt drives leases and cooldowns.',
    partitionKey: { name: 'ipId', type: 'S' },
    indexes: [
      // Sparse: availableAt is removed while an IP is unhealthy or disabled.
      {
        indexName: 'free',
        partitionKey: { name: 'country', type: 'S' },
        sortKey: { name: 'availableAt', type: 'N' },
        projection: 'KEYS_ONLY',
      },
    ],
  },
  Traces: {
    id: 'Traces',
    description: 'One item per trace through its whole life.',
    partitionKey: { name: 'traceId', type: 'S' },
    indexes: [
      // statusAt: when the trace entered its status (for retry_scheduled: when the retry is due).
      {
        indexName: 'byStatus',
        partitionKey: { name: 'status', type: 'S' },
        sortKey: { name: 'statusAt', type: 'N' },
        projection: 'ALL',
      },
      {
        indexName: 'byOffer',
        partitionKey: { name: 'offerId', type: 'S' },
        sortKey: { name: 'createdAt', type: 'N' },
        projection: 'ALL',
      },
    ],
    ttlAttribute: 'expiresAt',
  },
  Analytics: {
    id: 'Analytics',
    description: 'Raw events (TTL) and hourly aggregates.',
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    indexes: [],
    ttlAttribute: 'expiresAt',
  },
  Ops: {
    id: 'Ops',
    description: 'Pool statistics, alerts, parked clicks, failed side effects, webhook logs.',
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    indexes: [],
    ttlAttribute: 'expiresAt',
  },
  // Its own table, not attributes of the offer item: IAM cannot tell Catalog items apart (offers,
  // Trackier pairs and their webhook tokens share partitions), and StoreResult, which records what
  // resolved an offer, should reach nothing else. AcquireLease reads it; the trace functions don't.
  TracerMemory: {
    id: 'TracerMemory',
    description: 'Per offer: the tracer mode that last resolved it (learnedMode, learnedAt, the offer version it was learned on) and counts per mode.',
    partitionKey: { name: 'offerId', type: 'S' },
    indexes: [],
  },
};

export const TABLE_IDS = Object.keys(TABLES) as TableId[];
