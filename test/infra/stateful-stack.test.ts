import { Match } from 'aws-cdk-lib/assertions';
import { synthApp } from '../support/cdk-app';
import { TABLES, TABLE_IDS } from '../../contracts/manifest/tables';
import { QUEUES } from '../../contracts/manifest/queues';

const { stateful } = synthApp();

describe('stateful stack', () => {
  it('creates every table of the shared definitions, with PITR, encryption and on-demand billing', () => {
    const tables = stateful.findResources('AWS::DynamoDB::GlobalTable');
    expect(Object.keys(tables)).toHaveLength(TABLE_IDS.length);
    for (const table of Object.values(tables)) {
      expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
      expect(table.Properties.SSESpecification).toMatchObject({ SSEEnabled: true });
      expect(table.Properties.Replicas[0].PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(table.Properties.Replicas[0].DeletionProtectionEnabled).toBe(true);
      expect(table.DeletionPolicy).toBe('Retain');
    }
  });

  it('gives IpPool its sparse, keys-only free index and Traces its TTL', () => {
    stateful.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: 'ipId', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'free',
          KeySchema: [
            { AttributeName: 'country', KeyType: 'HASH' },
            { AttributeName: 'availableAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
      TimeToLiveSpecification: Match.absent(),
    });
    stateful.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: 'traceId', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: TABLES.Traces.ttlAttribute, Enabled: true },
    });
  });

  it('gives each work queue an encrypted DLQ with the manifest maxReceiveCount', () => {
    stateful.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: QUEUES.TraceRequests.visibilityTimeoutSeconds,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: QUEUES.TraceRequests.maxReceiveCount },
    });
    const queues = stateful.findResources('AWS::SQS::Queue');
    expect(Object.keys(queues)).toHaveLength(4);
    for (const q of Object.values(queues)) expect(q.Properties.SqsManagedSseEnabled).toBe(true);
  });

  it('refuses non-TLS access to every queue', () => {
    const policies = stateful.findResources('AWS::SQS::QueuePolicy');
    expect(Object.keys(policies)).toHaveLength(4);
    for (const p of Object.values(policies)) {
      expect(p.Properties.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      );
    }
  });

  it('keeps one credentials secret per proxy provider, retained', () => {
    const secrets = stateful.findResources('AWS::SecretsManager::Secret');
    expect(
      Object.values(secrets)
        .map((s) => s.Properties.Name)
        .sort(),
    ).toEqual(['tracepool/dev/proxy/default', 'tracepool/dev/trackier']);
    for (const s of Object.values(secrets)) {
      expect(s.DeletionPolicy).toBe('Retain');
      expect(s.Properties.GenerateSecretString).toMatchObject({ GenerateStringKey: s.Properties.Name.includes('/proxy/') ? 'password' : 'apiKey' });
    }
    const two = synthApp({ proxyProviders: 'brightdata,oxylabs' }).stateful.findResources('AWS::SecretsManager::Secret');
    expect(
      Object.values(two)
        .map((s) => s.Properties.Name)
        .filter((n: string) => n.includes('/proxy/'))
        .sort(),
    ).toEqual(['tracepool/dev/proxy/brightdata', 'tracepool/dev/proxy/oxylabs']);
  });

  it('can be made disposable for dev stacks', () => {
    const dev = synthApp({ retainData: 'false' }).stateful;
    for (const t of Object.values(dev.findResources('AWS::DynamoDB::GlobalTable'))) expect(t.DeletionPolicy).toBe('Delete');
  });
});
