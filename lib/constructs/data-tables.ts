import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, ProjectionType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TABLES, TABLE_IDS, type KeyAttr, type TableId } from '../../contracts/manifest/tables';

export interface DataTablesProps {
  /**
   * Keep tables (and their data) when the stack is deleted, with deletion protection on.
   * @default true
   */
  readonly retain?: boolean;
}

const attr = (key: KeyAttr) => ({ name: key.name, type: key.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER });

/**
 * The tables of contracts/manifest/tables.ts: on-demand, encrypted, point-in-time recovery on,
 * TTL where the definition names one.
 */
export class DataTables extends Construct {
  public readonly tables: Record<TableId, TableV2>;

  constructor(scope: Construct, id: string, props: DataTablesProps = {}) {
    super(scope, id);
    const retain = props.retain ?? true;
    this.tables = {} as Record<TableId, TableV2>;
    for (const tableId of TABLE_IDS) {
      const def = TABLES[tableId];
      this.tables[tableId] = new TableV2(this, tableId, {
        partitionKey: attr(def.partitionKey),
        sortKey: def.sortKey ? attr(def.sortKey) : undefined,
        billing: Billing.onDemand(),
        encryption: TableEncryptionV2.awsManagedKey(),
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: retain,
        removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
        timeToLiveAttribute: def.ttlAttribute,
        globalSecondaryIndexes: def.indexes.map((ix) => ({
          indexName: ix.indexName,
          partitionKey: attr(ix.partitionKey),
          sortKey: ix.sortKey ? attr(ix.sortKey) : undefined,
          projectionType: ix.projection === 'ALL' ? ProjectionType.ALL : ProjectionType.KEYS_ONLY,
        })),
      });
    }
  }
}
