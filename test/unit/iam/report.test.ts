/**
 * The least-privilege report from a record: grants used by allowed calls (IAM wildcards), runs
 * with different table prefixes added up by construct, Lambda's own calls told apart, denials.
 */
import { buildIamReport, formatIamReport, shortResource } from '../../../local/iam/report';
import type { CallRecord, IamRecord, RunRecord } from '../../../local/iam/record';

const T = (prefix: string, table: string) => `arn:aws:dynamodb:us-east-1:000000000000:table/${prefix}-${table}`;
const L = (table: string) => `arn:aws:dynamodb:us-east-1:000000000000:table/{${table}}`;
const Q = 'arn:aws:sqs:us-east-1:123456789012:p-TraceRequests';
const QL = 'arn:aws:sqs:us-east-1:000000000000:{TraceRequests}';

function run(id: string, prefix: string): RunRecord {
  const grant = (action: string, table: string) => ({ action, resource: T(prefix, table), label: L(table) });
  return {
    kind: 'run',
    run: id,
    startedAt: '2026-01-01T00:00:00.000Z',
    warnings: [],
    functions: {
      Click: {
        principalArn: 'p',
        grants: [
          grant('dynamodb:GetItem', 'Catalog'),
          grant('dynamodb:Scan', 'Catalog'),
          { action: 'dynamodb:GetItem', resource: `${T(prefix, 'Catalog')}/index/byCampaign`, label: `${L('Catalog')}/index/byCampaign` },
          grant('dynamodb:PutItem', 'Ops'),
          { action: 'sqs:SendMessage', resource: Q, label: QL },
          { action: 'logs:PutLogEvents', resource: '*', label: '*' },
          { action: 'xray:PutTraceSegments', resource: '*', label: '*' },
        ],
        eventSourceQueues: [],
      },
      Starter: {
        principalArn: 'p',
        grants: [
          { action: 'sqs:ReceiveMessage', resource: Q, label: QL },
          { action: 'sqs:ChangeMessageVisibility', resource: Q, label: QL },
          { action: 'states:*', resource: '*', label: '*' },
        ],
        eventSourceQueues: [{ arn: Q, label: QL }],
      },
    },
  };
}

function call(runId: string, functionId: string, action: string, resource: string, allowed = true): CallRecord {
  return {
    kind: 'call',
    run: runId,
    at: '2026-01-01T00:00:01.000Z',
    functionId,
    service: action.split(':')[0]!,
    operation: action.split(':')[1]!,
    action,
    resource,
    allowed,
    outcome: allowed ? 'Allowed' : 'ImplicitlyDenied',
  };
}

const records: IamRecord[] = [
  run('r1', 'a1'),
  run('r2', 'b2'),
  call('r1', 'Click', 'dynamodb:GetItem', T('a1', 'Catalog')),
  // Another run, another prefix: the same grant, by construct.
  call('r2', 'Click', 'sqs:SendMessage', Q),
  call('r2', 'Click', 'dynamodb:PutItem', T('b2', 'Ops')),
  call('r2', 'Starter', 'states:StartExecution', 'arn:aws:states:us-east-1:000000000000:stateMachine:x'),
  call('r1', 'Click', 'dynamodb:Query', `${T('a1', 'IpPool')}/index/free`, false),
  call('r2', 'Click', 'dynamodb:Query', `${T('b2', 'IpPool')}/index/free`, false),
];

describe('the IAM report', () => {
  const report = buildIamReport(records);

  it('counts calls and runs', () => {
    expect(report).toMatchObject({ runs: 2, calls: 6, allowed: 4, denied: 2 });
  });

  it('lists per function the grants no allowed call used, with the reason', () => {
    const click = report.functions.find((f) => f.functionId === 'Click')!;
    expect(click).toMatchObject({ granted: 7, used: 3, calls: 5, denied: 2 });
    expect(click.unused).toEqual([
      { action: 'dynamodb:Scan', resource: L('Catalog'), reason: 'unused' },
      { action: 'dynamodb:GetItem', resource: `${L('Catalog')}/index/byCampaign`, reason: 'unused' },
      { action: 'logs:PutLogEvents', resource: '*', reason: 'logs' },
      { action: 'xray:PutTraceSegments', resource: '*', reason: 'xray' },
    ]);
    const starter = report.functions.find((f) => f.functionId === 'Starter')!;
    // states:* was used through its wildcard; the event source's receive is Lambda's, the visibility change nobody's.
    expect(starter.unused).toEqual([
      { action: 'sqs:ReceiveMessage', resource: QL, reason: 'event-source' },
      { action: 'sqs:ChangeMessageVisibility', resource: QL, reason: 'unused' },
    ]);
  });

  it('adds up denied calls', () => {
    expect(report.deniedCalls).toEqual([
      { functionId: 'Click', action: 'dynamodb:Query', resource: `${T('a1', 'IpPool')}/index/free`, count: 1 },
      { functionId: 'Click', action: 'dynamodb:Query', resource: `${T('b2', 'IpPool')}/index/free`, count: 1 },
    ]);
  });

  it('prints tables', () => {
    const text = formatIamReport(report);
    expect(text).toContain('IAM calls evaluated: 6 (4 allowed, 2 denied) over 2 local stack run(s)');
    expect(text).toMatch(/Click\s+dynamodb table\/\{Catalog\}\s+dynamodb:Scan\s+never called/);
    expect(text).toMatch(/Starter\s+sqs \{TraceRequests\}\s+sqs:ReceiveMessage\s+Lambda's SQS event source/);
    expect(text).toMatch(/Click\s+dynamodb:Query\s+arn:aws:dynamodb:us-east-1:000000000000:table\/a1-IpPool\/index\/free\s+1/);
    expect(shortResource('*')).toBe('*');
  });
});

describe('a DLQ redrive role', () => {
  const DLQ = 'arn:aws:sqs:us-east-1:000000000000:{TraceRequestsDlq}';
  const redrive: RunRecord = {
    kind: 'run',
    run: 'r3',
    startedAt: '2026-01-01T00:00:00.000Z',
    warnings: [],
    functions: {
      AdminDlq: {
        principalArn: 'p',
        grants: [
          { action: 'sqs:StartMessageMoveTask', resource: DLQ, label: DLQ },
          { action: 'sqs:ReceiveMessage', resource: DLQ, label: DLQ },
          { action: 'sqs:DeleteMessage', resource: DLQ, label: DLQ },
          { action: 'sqs:SendMessage', resource: QL, label: QL },
          { action: 'sqs:PurgeQueue', resource: DLQ, label: DLQ },
        ],
        eventSourceQueues: [],
      },
    },
  };

  it("lists the move task's receive, delete and send as SQS's, anything else as a finding", () => {
    const report = buildIamReport([redrive, call('r3', 'AdminDlq', 'sqs:StartMessageMoveTask', DLQ)]);
    expect(report.functions[0]!.unused).toEqual([
      { action: 'sqs:ReceiveMessage', resource: DLQ, reason: 'message-move' },
      { action: 'sqs:DeleteMessage', resource: DLQ, reason: 'message-move' },
      { action: 'sqs:SendMessage', resource: QL, reason: 'message-move' },
      { action: 'sqs:PurgeQueue', resource: DLQ, reason: 'unused' },
    ]);
  });
});
