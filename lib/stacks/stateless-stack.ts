import { CfnOutput, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { FUNCTIONS } from '../manifest/functions';
import { ENV } from '../manifest/env';
import type { TableId } from '../manifest/tables';
import type { QueueId } from '../manifest/queues';
import type { DataTables } from '../constructs/data-tables';
import type { WorkQueues } from '../constructs/work-queues';
import type { ProxyCredentials } from '../constructs/proxy-credentials';
import { ServiceFunction } from '../constructs/service-function';
import { TracepoolApi } from '../constructs/tracepool-api';

export interface StatelessStackProps extends StackProps {
  readonly data: DataTables;
  readonly work: WorkQueues;
  readonly proxyCredentials: ProxyCredentials;
  /**
   * Where clicks on unknown offers go; a small 404 page when absent.
   * @default - 404 page
   */
  readonly unknownOfferFallbackUrl?: string;
  /** @default 30000 */
  readonly offerCacheTtlMs?: number;
}

/** Code: functions, the HTTP API, the state machine and schedules (as their issues land). */
export class StatelessStack extends Stack {
  public readonly functions: Record<string, ServiceFunction> = {};
  public readonly api: TracepoolApi;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    if (props.unknownOfferFallbackUrl && !/^https:\/\//.test(props.unknownOfferFallbackUrl)) {
      throw new Error('StatelessStack: unknownOfferFallbackUrl must be an https:// URL');
    }
    const shared: Record<string, string> = {
      [ENV.proxyProviders]: props.proxyCredentials.providers.join(','),
      [ENV.providerSecretPrefix]: props.proxyCredentials.secretPrefix,
      [ENV.offerCacheTtlMs]: String(props.offerCacheTtlMs ?? 30_000),
      ...(props.unknownOfferFallbackUrl ? { [ENV.fallbackUrl]: props.unknownOfferFallbackUrl } : {}),
    };

    for (const def of FUNCTIONS) {
      const fn = new ServiceFunction(this, def.id, { def, environment: shared });
      for (const [tableId, access] of Object.entries(def.tables ?? {})) {
        if (access) fn.bindTable(tableId as TableId, props.data.tables[tableId as TableId], access);
      }
      for (const [queueId, access] of Object.entries(def.queues ?? {})) {
        const pair = props.work.queues[queueId as QueueId];
        if (access) fn.bindQueue(queueId as QueueId, pair.queue, pair.dlq, access);
      }
      if (def.providerSecrets) {
        for (const secret of Object.values(props.proxyCredentials.secrets)) secret.grantRead(fn);
      }
      this.functions[def.id] = fn;
    }

    this.api = new TracepoolApi(this, 'Api', { functions: Object.values(this.functions) });
    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the Tracepool HTTP API' });
    this.acknowledgeNagFindings();
  }

  /** Each cdk-nag finding we accept, with the reason it is right for Tracepool. */
  private acknowledgeNagFindings(): void {
    Validations.of(this).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: "AWSLambdaBasicExecutionRole only lets a function write its own logs: the AWS-maintained minimum.",
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray PutTraceSegments/PutTelemetryRecords accept no resource scope (added by Tracing.ACTIVE).',
      },
      {
        id: 'AwsSolutions-L1',
        reason:
          'Node.js 22 is pinned on purpose: it is the runtime the local stack and the tests run (node@22), so what we test is what we deploy.',
      },
    );
    Validations.of(this.api.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason: `Public by design (ad clicks, pixels, provider webhooks authenticated by unguessable tokens, health): ${this.api.publicRoutes.join(', ')}. Admin routes use IAM authorization.`,
    });
  }
}
