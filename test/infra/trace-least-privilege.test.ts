/**
 * Least privilege for the functions that run untrusted pages. TraceHttp and TraceBrowser follow
 * hostile redirect chains (the browser runs their JavaScript): whatever their role allows, such a
 * page could get. They read the proxy credentials and nothing else — no Catalog (offers, Trackier
 * pairs, webhook tokens), not even the learned-mode table. Checked on the synthesized templates:
 * each role's policy statements, their resources resolved through the cross-stack references to the
 * stateful stack's tables and secrets.
 */
import type { CfnElement, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { synthApp } from '../support/cdk-app';
import type { TableId } from '../../contracts/manifest/tables';
import { FUNCTIONS } from '../../contracts/manifest/functions';

// Two providers, so "exactly the provider secrets" means both and nothing more.
const built = synthApp({ proxyProviders: 'alpha,beta' });
const { stateful, stateless, stacks } = built;

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
/** What a policy resource points at, in the stateful stack's terms. */
type Target = { kind: 'table'; table: string; index?: string } | { kind: 'secret'; secret: string } | { kind: 'wildcard' } | { kind: 'other'; raw: unknown };

const logicalId = (stack: Stack, element: CfnElement) => stack.resolve(stack.getLogicalId(element)) as string;

const tableByLogicalId = new Map(Object.entries(stacks.stateful.data.tables).map(([id, table]) => [logicalId(stacks.stateful, table.node.defaultChild as CfnElement), id]));
const secretByLogicalId = new Map<string, string>([
  ...Object.entries(stacks.stateful.proxyCredentials.secrets).map(([p, s]) => [logicalId(stacks.stateful, s.node.defaultChild as CfnElement), `proxy:${p}`] as const),
  [logicalId(stacks.stateful, stacks.stateful.trackierSecret.node.defaultChild as CfnElement), 'trackier'],
]);
const statefulOutputs = (stateful.toJSON() as { Outputs: Record<string, { Value: unknown; Export?: { Name: string } }> }).Outputs;
const exportsByName = new Map(
  Object.values(statefulOutputs)
    .filter((o) => o.Export)
    .map((o) => [o.Export!.Name, o.Value]),
);

/**
 * The stateful resource's logical id behind a cross-stack reference (its `Ref` or
 * `Fn::GetAtt …Arn`): a strong one (`Fn::ImportValue` of an export) or a weak one
 * (`Fn::GetStackOutput` of an output, cdk.json's @aws-cdk/core:defaultCrossStackReferences).
 */
function importedLogicalId(value: unknown): string | undefined {
  const ref = value as { 'Fn::ImportValue'?: string; 'Fn::GetStackOutput'?: { OutputName?: string } } | undefined;
  const name = ref?.['Fn::ImportValue'];
  const outputName = ref?.['Fn::GetStackOutput']?.OutputName;
  const target = (name ? exportsByName.get(name) : outputName ? statefulOutputs[outputName]?.Value : undefined) as
    { Ref?: string; 'Fn::GetAtt'?: [string, string] } | undefined;
  return target?.Ref ?? target?.['Fn::GetAtt']?.[0];
}

function targetOf(resource: unknown): Target {
  if (resource === '*') return { kind: 'wildcard' };
  let base = resource;
  let suffix = '';
  const join = (resource as { 'Fn::Join'?: [string, unknown[]] })?.['Fn::Join'];
  if (join && join[0] === '' && join[1].length === 2 && typeof join[1][1] === 'string') {
    base = join[1][0];
    suffix = join[1][1] as string;
  }
  const id = importedLogicalId(base);
  const table = id ? tableByLogicalId.get(id) : undefined;
  if (table) {
    const index = /^\/index\/(.+)$/.exec(suffix)?.[1];
    if (suffix && !index) return { kind: 'other', raw: resource };
    return { kind: 'table', table, ...(index ? { index } : {}) };
  }
  const secret = id ? secretByLogicalId.get(id) : undefined;
  if (secret && !suffix) return { kind: 'secret', secret };
  return { kind: 'other', raw: resource };
}

const roleIdOf = (functionId: string) => {
  const fns = stateless.findResources('AWS::Lambda::Function');
  const fnId = Object.keys(fns).find((id) => id.startsWith(functionId) && id.length === functionId.length + 8);
  expect(fnId).toBeDefined();
  return (fns[fnId!]!.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
};

/** Every statement the function's role carries: inline policies and the attached AWS::IAM::Policy resources. */
function statementsOf(functionId: string): Statement[] {
  const roleId = roleIdOf(functionId);
  const role = stateless.findResources('AWS::IAM::Role')[roleId]!;
  const inline = ((role.Properties.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]).flatMap((p) => p.PolicyDocument.Statement);
  const attached = Object.values(stateless.findResources('AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
  return [...inline, ...attached];
}

const actionsOf = (s: Statement) => [s.Action].flat();
const resourcesOf = (s: Statement) => [s.Resource].flat();

/** Table → the actions granted on it (or on its indexes), over all of a function's statements. */
function dynamoGrants(functionId: string): Record<string, string[]> {
  const grants: Record<string, Set<string>> = {};
  for (const s of statementsOf(functionId)) {
    const ddb = actionsOf(s).filter((a) => a.startsWith('dynamodb:'));
    if (!ddb.length) continue;
    for (const r of resourcesOf(s)) {
      const target = targetOf(r);
      const key = target.kind === 'table' ? target.table : JSON.stringify(r);
      for (const a of ddb) (grants[key] ??= new Set()).add(a);
    }
  }
  return Object.fromEntries(Object.entries(grants).map(([k, v]) => [k, [...v].sort()]));
}

const WRITES = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
const MEMORY: TableId = 'TracerMemory';

describe.each(['TraceHttp', 'TraceBrowser'])('%s (runs untrusted pages)', (fn) => {
  it('has no statement on the Catalog table or its indexes', () => {
    const onCatalog = statementsOf(fn).filter((s) =>
      resourcesOf(s).some((r) => {
        const t = targetOf(r);
        return t.kind === 'table' && t.table === 'Catalog';
      }),
    );
    expect(onCatalog).toEqual([]);
  });

  it('has no DynamoDB grant beyond the memory table — in fact none: the learned mode comes in the state', () => {
    const grants = dynamoGrants(fn);
    expect(Object.keys(grants).filter((table) => table !== MEMORY)).toEqual([]);
    expect(grants).toEqual({});
  });

  it("reads exactly the proxy providers' secrets: not the Trackier secret, never *", () => {
    const statements = statementsOf(fn);
    const secretResources = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('secretsmanager:'))).flatMap((s) => resourcesOf(s).map(targetOf));
    expect(secretResources.map((t) => (t.kind === 'secret' ? t.secret : t))).toEqual(['proxy:alpha', 'proxy:beta']);
    const getSecret = statements.filter((s) => actionsOf(s).includes('secretsmanager:GetSecretValue'));
    expect(getSecret.flatMap((s) => resourcesOf(s).map(targetOf))).toEqual([
      { kind: 'secret', secret: 'proxy:alpha' },
      { kind: 'secret', secret: 'proxy:beta' },
    ]);
    // A wildcard resource only for X-Ray, which accepts no resource scope.
    const wildcard = statements.filter((s) => resourcesOf(s).some((r) => targetOf(r).kind === 'wildcard'));
    expect(wildcard.flatMap(actionsOf).every((a) => a.startsWith('xray:'))).toBe(true);
  });

  it('is granted nothing but X-Ray and the proxy secrets (its logs come from the basic execution role)', () => {
    const services = new Set(
      statementsOf(fn)
        .flatMap(actionsOf)
        .map((a) => a.split(':')[0]),
    );
    expect([...services].sort()).toEqual(['secretsmanager', 'xray']);
  });
});

describe('the other tasks around the learned mode', () => {
  it('StoreResult writes the trace record, the memory table and the resolution history (Ops: Query + UpdateItem only); nothing of the Catalog', () => {
    const grants = dynamoGrants('StoreResult');
    expect(Object.keys(grants).sort()).toEqual([MEMORY, 'Ops', 'Traces'].sort());
    expect(grants[MEMORY]).toEqual(expect.arrayContaining(['dynamodb:UpdateItem']));
    expect([...grants.Ops!].sort()).toEqual(['dynamodb:Query', 'dynamodb:UpdateItem']);
  });

  it('AcquireLease reads the offer and the learned mode, and writes neither', () => {
    const grants = dynamoGrants('AcquireLease');
    expect(grants.Catalog).toEqual(expect.arrayContaining(['dynamodb:GetItem']));
    expect(grants[MEMORY]).toEqual(expect.arrayContaining(['dynamodb:GetItem']));
    for (const table of ['Catalog', MEMORY]) expect(grants[table]!.filter((a) => WRITES.includes(a))).toEqual([]);
  });

  it('the memory table is keyed by offer id, with no index', () => {
    stateful.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: 'offerId', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'offerId', AttributeType: 'S' }],
      GlobalSecondaryIndexes: Match.absent(),
    });
  });
});

/** "Table" or "Table/index/name" → the DynamoDB actions granted there, over all the role's statements. */
function dynamoGrantsByArn(functionId: string): Record<string, string[]> {
  const grants: Record<string, Set<string>> = {};
  for (const s of statementsOf(functionId)) {
    const ddb = actionsOf(s).filter((a) => a.startsWith('dynamodb:'));
    for (const r of ddb.length ? resourcesOf(s) : []) {
      const t = targetOf(r);
      const key = t.kind === 'table' ? (t.index ? `${t.table}/index/${t.index}` : t.table) : JSON.stringify(r);
      for (const a of ddb) (grants[key] ??= new Set()).add(a);
    }
  }
  return Object.fromEntries(Object.entries(grants).map(([k, v]) => [k, [...v].sort()]));
}

/** What the manifest says the function calls, in the same shape. */
function manifestGrants(functionId: string): Record<string, string[]> {
  const def = FUNCTIONS.find((f) => f.id === functionId)!;
  const grants: Record<string, Set<string>> = {};
  for (const [table, actions] of Object.entries(def.tables ?? {})) {
    for (const action of actions ?? []) {
      const index = /^Query:(.+)$/.exec(action)?.[1];
      (grants[index ? `${table}/index/${index}` : table] ??= new Set()).add(index ? 'dynamodb:Query' : `dynamodb:${action}`);
    }
  }
  return Object.fromEntries(Object.entries(grants).map(([k, v]) => [k, [...v].sort()]));
}

describe.each(FUNCTIONS.map((f) => f.id))("%s's role", (fn) => {
  it('holds exactly the DynamoDB calls its manifest entry lists, on exactly those tables and indexes', () => {
    expect(dynamoGrantsByArn(fn)).toEqual(manifestGrants(fn));
  });

  it('holds no table-wide or index-wide wildcard and no action the code never makes', () => {
    const actions = statementsOf(fn).flatMap(actionsOf);
    expect(actions.filter((a) => /^dynamodb:(DescribeTable|ConditionCheckItem|\*)/.test(a))).toEqual([]);
    expect(actions.filter((a) => a.startsWith('secretsmanager:') && a !== 'secretsmanager:GetSecretValue')).toEqual([]);
    expect(actions.filter((a) => /^sqs:(GetQueueUrl|ChangeMessageVisibility|PurgeQueue|\*)$/.test(a) && !FUNCTIONS.find((f) => f.id === fn)!.sqsSource)).toEqual([]);
  });
});

describe('the trace requeue (AdminTraces)', () => {
  it('updates trace records and neither sends to a queue nor starts an execution: the retry schedule does', () => {
    expect(dynamoGrants('AdminTraces').Traces).toEqual(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    expect(
      statementsOf('AdminTraces')
        .flatMap(actionsOf)
        .filter((a) => /^(sqs|states):/.test(a)),
    ).toEqual([]);
  });
});

describe('the click, on the public edge', () => {
  it('may send to the trace queue and nothing else of SQS', () => {
    const sqs = statementsOf('Click').filter((s) => actionsOf(s).some((a) => a.startsWith('sqs:')));
    expect(sqs.flatMap(actionsOf)).toEqual(['sqs:SendMessage']);
    expect(sqs.flatMap(resourcesOf)).toHaveLength(1);
  });

  it('writes Ops only by PutItem (parked clicks, its bot-skip count): no update, delete or read', () => {
    expect(dynamoGrantsByArn('Click').Ops).toEqual(['dynamodb:PutItem']);
    expect(Object.keys(dynamoGrantsByArn('Click')).sort()).toEqual(['Catalog', 'Ops']);
  });

  it('reads offers by key only: no Query, no Scan, no index of the Catalog', () => {
    expect(dynamoGrantsByArn('Click').Catalog).toEqual(['dynamodb:GetItem']);
    expect(Object.keys(dynamoGrantsByArn('Click')).filter((k) => k.includes('/index/'))).toEqual([]);
  });
});

describe('the offer statistics (AdminOfferStats)', () => {
  it('only reads: the offer by key, the byOffer index, the Ops skip counters; no write, queue or execution', () => {
    expect(dynamoGrantsByArn('AdminOfferStats')).toEqual({
      Catalog: ['dynamodb:GetItem'],
      'Traces/index/byOffer': ['dynamodb:Query'],
      Ops: ['dynamodb:Query'],
    });
    const actions = statementsOf('AdminOfferStats').flatMap(actionsOf);
    expect(actions.filter((a) => WRITES.includes(a))).toEqual([]);
    expect(actions.filter((a) => /^(sqs|states|secretsmanager):/.test(a))).toEqual([]);
  });
});

describe('the IP probe (AdminIpTest)', () => {
  it("updates IpPool items only (lease, release, give back) and reads only the proxy providers' secrets", () => {
    expect(dynamoGrantsByArn('AdminIpTest')).toEqual({ IpPool: ['dynamodb:UpdateItem'] });
    const statements = statementsOf('AdminIpTest');
    const secrets = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('secretsmanager:')));
    expect(secrets.flatMap(actionsOf)).toEqual(['secretsmanager:GetSecretValue']);
    expect(secrets.flatMap((s) => resourcesOf(s).map(targetOf))).toEqual([
      { kind: 'secret', secret: 'proxy:alpha' },
      { kind: 'secret', secret: 'proxy:beta' },
    ]);
    expect(statements.flatMap(actionsOf).filter((a) => /^(sqs|states|events):/.test(a))).toEqual([]);
  });
});
