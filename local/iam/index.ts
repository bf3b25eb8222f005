/**
 * IAM enforced locally: each function's synthesized policies (policies.ts), evaluated with
 * @cloud-copilot/iam-simulate (evaluate.ts) for every call the function makes to a local AWS
 * endpoint, through an enforcement gateway in front of each endpoint (gateway.ts), every decision
 * recorded (record.ts) for `npm run iam:report` (report.ts). And, before it starts, every route's
 * function must let API Gateway invoke it for that route (api-invocations.ts).
 *
 * Wiring, in the local stack (local/stack.ts), when iamEnforcementEnabled() (TRACEPOOL_ENFORCE_IAM=1):
 *
 *   const iam = await startLocalIam({
 *     // --from-synth: the templates cdk.out holds; from sources: the app synthesized in process.
 *     templates: synthesized ? templatesFromCloudAssembly(cdkOut) : synthesizeTemplates(),
 *     resources: {
 *       tables, queues, stateMachineArn: LOCAL_STATE_MACHINE_ARN,
 *       secretArn: (name) => secrets.arnOf(name),
 *       // From sources the stack stores the secrets under its own names (LOCAL_NAMING):
 *       localSecretName: synthesized ? undefined : (name, s) =>
 *         s.role === 'trackier' ? naming.trackierSecret : s.role === 'provider' ? `${naming.providerSecretPrefix}${naming.proxyProviders[0]}` : name,
 *     },
 *     upstreams: { dynamodb: dynamoEndpoint, sqs: sqsEndpoint, services: services.endpoint },
 *     log,
 *   });
 *   stops.push(() => iam.stop());
 *   const endpoints: LocalEndpoints = iam.endpoints;   // instead of the raw endpoints, for every isolate
 *
 * Each isolate must sign with `localCredentialsFor(functionId)` — the same keys as
 * local/function-env.ts functionCredentials, which it already does. The stack's own clients
 * (provisioning, seeding, tests) keep the raw endpoints. Where the stack acts in process with a
 * function's role in AWS — Lambda's SQS event source polls with the function's role — it can
 * either poll through `iam.endpoints.sqs` signed with the function's credentials, or ask
 * `await iam.authorize(functionId, 'sqs:ReceiveMessage', queueArn)`; until then the report lists
 * those grants as the event source's.
 */
import { LOCAL_SCOPE, functionIdForAccessKey, localCredentialsFor, queueArnFromUrl } from './arns';
import { accessDeniedAnswer, accessDeniedMessage } from './denials';
import { IamEvaluator, type Decision } from './evaluate';
import { startIamGateway, type CheckResult, type GatewayAuthority, type IamGateway } from './gateway';
import { functionPoliciesFromTemplates, type AppPolicies, type LocalResourceNames } from './policies';
import { routesApiGatewayCannotInvoke } from './api-invocations';
import { CallRecorder, recordFileFromEnv, type CallCounts, type CallRecord } from './record';
import type { AuthorizationCheck, ParsedRequest, RequestContext } from './requests';
import type { AppTemplates } from './templates';

export { localCredentialsFor } from './arns';
export { synthesizeTemplates, templatesFromCloudAssembly, type AppTemplates } from './templates';
export type { LocalResourceNames, AppPolicies } from './policies';

/** TRACEPOOL_ENFORCE_IAM=1 (or true) turns enforcement on. */
export const iamEnforcementEnabled = (env: NodeJS.ProcessEnv = process.env): boolean => env.TRACEPOOL_ENFORCE_IAM === '1' || env.TRACEPOOL_ENFORCE_IAM === 'true';

export interface LocalIamOptions<U extends Record<string, string>> {
  /** The app's templates: synthesizeTemplates() from sources, templatesFromCloudAssembly(cdkOut) with --from-synth. */
  readonly templates: AppTemplates;
  /** The local names of tables, queues, the state machine and secrets. */
  readonly resources: LocalResourceNames;
  /**
   * The endpoints to put a gateway in front of, by any key (the stack's LocalEndpoints: dynamodb,
   * sqs, services). `endpoints` has the gateways' URLs under the same keys.
   */
  readonly upstreams: U;
  /** Where to append the call record; false: in memory only. @default TRACEPOOL_IAM_RECORD or .tracepool/iam-calls.jsonl */
  readonly recordFile?: string | false;
  /** Forward calls signed with keys of no function, unchecked (see IamGatewayOptions). @default false */
  readonly allowUnknownCallers?: boolean;
  readonly log?: (line: string) => void;
}

export interface LocalIam<U extends Record<string, string>> {
  /** The gateways' URLs, under the upstreams' keys: what the functions' endpoints must be. */
  readonly endpoints: { readonly [K in keyof U]: string };
  readonly policies: AppPolicies;
  /** The credentials a function must sign with to be recognized. */
  credentialsFor(functionId: string): { accessKeyId: string; secretAccessKey: string };
  /**
   * For calls the stack makes in process on a function's behalf (no HTTP request to inspect):
   * evaluated and recorded like a gateway call. Resolves to whether it is allowed.
   */
  authorize(functionId: string, action: string, resourceArn: string): Promise<boolean>;
  /** Calls evaluated so far (gateways and authorize). */
  totals(): CallCounts;
  /** Denied calls so far (the first thousand). */
  denied(): readonly CallRecord[];
  readonly recordFile: string | false;
  stop(): Promise<void>;
}

export async function startLocalIam<U extends Record<string, string>>(options: LocalIamOptions<U>): Promise<LocalIam<U>> {
  const log = options.log ?? (() => undefined);
  const policies = functionPoliciesFromTemplates(options.templates, options.resources);
  for (const warning of policies.warnings) log(`IAM: ${warning}`);
  // A route API Gateway may not invoke deploys and then answers 500: refuse it here as well.
  const uninvocable = await routesApiGatewayCannotInvoke(options.templates, options.resources.scope ?? LOCAL_SCOPE);
  if (uninvocable.length) throw new Error(`IAM: ${uninvocable.length} route(s) API Gateway could not invoke:\n  ${uninvocable.join('\n  ')}`);
  const evaluator = new IamEvaluator(policies, { scope: options.resources.scope ?? LOCAL_SCOPE });
  await evaluator.warmUp();

  const recordFile = options.recordFile ?? recordFileFromEnv();
  const recorder = new CallRecorder(recordFile);
  recorder.start(policies);
  const functionIds = Object.keys(policies.functions);

  const decide = async (functionId: string, service: string, operation: string, check: AuthorizationCheck): Promise<Decision> => {
    const decision = await evaluator.evaluate(functionId, check.action, check.resource);
    recorder.record({
      functionId,
      service,
      operation,
      action: check.action,
      resource: check.resource,
      allowed: decision.allowed,
      outcome: decision.outcome,
      ...(decision.error ? { error: decision.error } : {}),
    });
    if (!decision.allowed) log(`IAM: denied ${functionId} ${check.action} on ${check.resource}${decision.error ? ` (${decision.error})` : ''}`);
    return decision;
  };

  const authority: GatewayAuthority = {
    callerOf: (accessKeyId) => functionIdForAccessKey(accessKeyId, functionIds),
    async check(functionId: string, request: ParsedRequest, check: AuthorizationCheck): Promise<CheckResult> {
      const decision = await decide(functionId, request.service, request.operation, check);
      if (decision.allowed) return { allowed: true };
      const principal = evaluator.policyOf(functionId)!.principalArn;
      return {
        allowed: false,
        denial: accessDeniedAnswer(request.service, request.protocol, accessDeniedMessage(principal, check.action, check.resource, decision.outcome, request.service)),
      };
    },
  };

  const queues = options.resources.queues;
  const queueIds = Object.keys(queues.queues) as (keyof typeof queues.queues)[];
  const context: RequestContext = {
    scope: options.resources.scope ?? LOCAL_SCOPE,
    sqsAccount: firstUrlAccount(Object.values(queues.queues)),
    secretArn: options.resources.secretArn,
    dlqSources: (dlqArn) => queueIds.filter((id) => queueArnFromUrl(queues.dlqs[id]) === dlqArn).map((id) => queueArnFromUrl(queues.queues[id])),
  };

  const gateways: IamGateway[] = [];
  const endpoints: Record<string, string> = {};
  try {
    for (const [key, upstream] of Object.entries(options.upstreams)) {
      const gateway = await startIamGateway({
        upstream,
        authority,
        context,
        allowUnknownCallers: options.allowUnknownCallers,
        onError: (error) => log(`IAM gateway ${key}: ${(error as Error).message}`),
      });
      gateways.push(gateway);
      endpoints[key] = gateway.endpoint;
    }
  } catch (error) {
    await Promise.all(gateways.map((g) => g.stop()));
    await recorder.close();
    throw error;
  }

  return {
    endpoints: endpoints as { [K in keyof U]: string },
    policies,
    credentialsFor: localCredentialsFor,
    async authorize(functionId, action, resourceArn) {
      if (!evaluator.knows(functionId)) return false;
      return (await decide(functionId, 'local', action.split(':')[1] ?? action, { action, resource: resourceArn })).allowed;
    },
    totals: () => recorder.totals,
    denied: () => recorder.denied,
    recordFile,
    async stop() {
      await Promise.all(gateways.map((g) => g.stop()));
      await recorder.close();
    },
  };
}

/** The account local SQS writes into its queue URLs (http://host/<account>/<name>). */
function firstUrlAccount(urls: readonly string[]): string | undefined {
  for (const url of urls) {
    const account = /\/(\d{12})\/[^/]+\/?$/.exec(url)?.[1];
    if (account) return account;
  }
  return undefined;
}
