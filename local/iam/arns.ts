/**
 * The local account, region and credentials IAM enforcement works in, and the ARNs of the local
 * resources, built the way AWS builds them. One module builds both sides: the ARNs a function's
 * synthesized policy names (local/iam/policies.ts) and the ARNs a request to a local endpoint is
 * authorized against (local/iam/requests.ts), so the two can only ever agree.
 */
import { LOCAL_REGION } from '../net';

/** The account every local resource and role lives in (what the local stack puts in its ARNs). */
export const LOCAL_ACCOUNT = '000000000000';
export { LOCAL_REGION };

/**
 * A function's own local access key. The gateways tell callers apart by this key id alone; the
 * secret is never checked (see local/iam/requests.ts). Letters and digits only: DynamoDB Local
 * rejects access key ids with anything else. Same rule as the isolates' credentials
 * (local/function-env.ts functionCredentials), so a key maps back to exactly one function.
 */
export function localCredentialsFor(functionId: string): { accessKeyId: string; secretAccessKey: string } {
  return { accessKeyId: `local${functionId.replace(/[^A-Za-z0-9]/g, '')}`, secretAccessKey: 'local' };
}

/** The function an access key id belongs to, among `functionIds`; undefined for any other key. */
export function functionIdForAccessKey(accessKeyId: string, functionIds: Iterable<string>): string | undefined {
  for (const id of functionIds) if (localCredentialsFor(id).accessKeyId === accessKeyId) return id;
  return undefined;
}

/**
 * The name Lambda gives a function locally (local/function-env.ts: AWS_LAMBDA_FUNCTION_NAME): the
 * session name of its role, as in AWS where a function's role session is named after the function.
 */
export const localFunctionName = (functionId: string): string => `tracepool-local-${functionId}`;

/**
 * A role's name as CloudFormation derives it when the template gives none: `<stack>-<logicalId>`
 * (AWS then appends a random suffix, which has no local meaning), at most 64 characters.
 */
export const localRoleName = (stackName: string, roleLogicalId: string): string => `${stackName}-${roleLogicalId}`.slice(0, 64);

export const roleArn = (roleName: string, account = LOCAL_ACCOUNT): string => `arn:aws:iam::${account}:role/${roleName}`;

/** The principal a function's calls are made as: its role, assumed by Lambda, session = function name. */
export const assumedRoleArn = (roleName: string, sessionName: string, account = LOCAL_ACCOUNT): string => `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`;

export interface ArnScope {
  readonly region: string;
  readonly account: string;
}

export const LOCAL_SCOPE: ArnScope = { region: LOCAL_REGION, account: LOCAL_ACCOUNT };

export const tableArn = (tableName: string, scope: ArnScope = LOCAL_SCOPE): string => `arn:aws:dynamodb:${scope.region}:${scope.account}:table/${tableName}`;

export const indexArn = (tableName: string, indexName: string, scope: ArnScope = LOCAL_SCOPE): string => `${tableArn(tableName, scope)}/index/${indexName}`;

/**
 * A table named by its name or its ARN (DynamoDB accepts both as TableName) → its ARN. An ARN is
 * taken as it is: AWS authorizes against the ARN the caller named.
 */
export const tableArnOf = (tableNameOrArn: string, scope: ArnScope = LOCAL_SCOPE): string =>
  tableNameOrArn.startsWith('arn:') ? tableNameOrArn : tableArn(tableNameOrArn, scope);

/**
 * A queue's ARN from its URL, as SQS derives it: the account is the URL's first path segment and
 * the name its last (`http://host/<account>/<name>` → `arn:aws:sqs:<region>:<account>:<name>`).
 * Local SQS puts its own account in the URLs it hands out; taking it from the URL keeps the ARN
 * identical to the QueueArn attribute the same server reports.
 */
export function queueArnFromUrl(queueUrl: string, scope: ArnScope = LOCAL_SCOPE): string {
  let pathname: string;
  try {
    pathname = new URL(queueUrl).pathname;
  } catch {
    pathname = queueUrl;
  }
  const segments = pathname.split('/').filter(Boolean);
  const name = segments.at(-1) ?? '';
  const account = segments.length >= 2 && /^\d{12}$/.test(segments.at(-2)!) ? segments.at(-2)! : scope.account;
  return `arn:aws:sqs:${scope.region}:${account}:${name}`;
}

export const queueArn = (queueName: string, scope: ArnScope = LOCAL_SCOPE): string => `arn:aws:sqs:${scope.region}:${scope.account}:${queueName}`;

export const eventBusArn = (busNameOrArn: string | undefined, scope: ArnScope = LOCAL_SCOPE): string =>
  busNameOrArn?.startsWith('arn:') ? busNameOrArn : `arn:aws:events:${scope.region}:${scope.account}:event-bus/${busNameOrArn || 'default'}`;

/**
 * A secret's ARN from the SecretId a caller gives (its name, partial ARN or full ARN). Secrets
 * Manager authorizes against the full ARN (name + "-" + six characters), so names are looked up
 * with `fullArnOfName` (the local Secrets Manager's naming); a full ARN is kept as it is.
 */
export function secretArnOf(secretId: string, fullArnOfName: (name: string) => string, scope: ArnScope = LOCAL_SCOPE): string {
  const prefix = `arn:aws:secretsmanager:${scope.region}:${scope.account}:secret:`;
  if (!secretId.startsWith('arn:')) return fullArnOfName(secretId);
  if (!secretId.startsWith(prefix)) return secretId;
  const rest = secretId.slice(prefix.length);
  // A full ARN ends in -XXXXXX; a partial one is the name only.
  return /-[A-Za-z0-9]{6}$/.test(rest) ? secretId : fullArnOfName(rest);
}

/** An ARN's account (5th field), or undefined for `*` and non-ARNs. */
export function accountOfArn(arn: string): string | undefined {
  if (!arn.startsWith('arn:')) return undefined;
  const account = arn.split(':')[4];
  return account || undefined;
}
