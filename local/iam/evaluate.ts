/**
 * Policy evaluation with @cloud-copilot/iam-simulate, a maintained implementation of AWS's
 * evaluation logic (explicit deny, allow, wildcards, conditions, resource types). Identity policies
 * only: the local resources carry no resource policies, and there are no SCPs, permission
 * boundaries or session policies in this app, so the function's role policies decide alone — as
 * in AWS for same-account calls to resources without a policy.
 *
 * Condition keys: the request context supplies the global keys a Lambda role's session has
 * (principal, account, region, secure transport, time). Service-specific keys
 * (dynamodb:LeadingKeys, …) are not derived from requests; a statement testing one fails closed
 * here (policies.ts lists the keys each function's policies test; today they test none).
 */
import { runSimulation, type RunSimulationResults } from '@cloud-copilot/iam-simulate';
import { LOCAL_SCOPE, accountOfArn, type ArnScope } from './arns';
import type { AppPolicies, FunctionPolicy } from './policies';

export type EvaluationOutcome = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied' | 'Error';

export interface Decision {
  readonly allowed: boolean;
  readonly outcome: EvaluationOutcome;
  /** Why the evaluator could not run (an action IAM does not know, a resource of the wrong type…). */
  readonly error?: string;
}

export interface EvaluatorOptions {
  readonly scope?: ArnScope;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** Decisions cached per function when its policies test no condition (then only action and resource matter). */
const CACHE_LIMIT = 20_000;

export class IamEvaluator {
  private readonly scope: ArnScope;
  private readonly now: () => Date;
  private readonly cache = new Map<string, Decision>();

  constructor(
    readonly policies: AppPolicies,
    options: EvaluatorOptions = {},
  ) {
    this.scope = options.scope ?? LOCAL_SCOPE;
    this.now = options.now ?? (() => new Date());
  }

  knows(functionId: string): boolean {
    return functionId in this.policies.functions;
  }

  policyOf(functionId: string): FunctionPolicy | undefined {
    return this.policies.functions[functionId];
  }

  /** Whether `functionId`'s role may perform `action` on `resource`. */
  async evaluate(functionId: string, action: string, resource: string): Promise<Decision> {
    const policy = this.policies.functions[functionId];
    if (!policy) return { allowed: false, outcome: 'Error', error: `no policies for function ${functionId}` };
    const cacheable = policy.conditionKeys.length === 0;
    const key = `${functionId}\u0000${action}\u0000${resource}`;
    if (cacheable) {
      const hit = this.cache.get(key);
      if (hit) return hit;
    }
    const decision = toDecision(await this.simulate(policy, action, resource));
    if (cacheable) {
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(key, decision);
    }
    return decision;
  }

  /**
   * Loads the evaluator's data for every service the policies name (it is read lazily, ~50 ms per
   * service on first use), so the first real call of each kind is not the slow one.
   */
  async warmUp(): Promise<void> {
    const seen = new Set<string>();
    for (const policy of Object.values(this.policies.functions)) {
      for (const grant of policy.grants) {
        const service = grant.action.split(':')[0]!;
        if (seen.has(service) || grant.action.includes('*')) continue;
        seen.add(service);
        await this.simulate(policy, grant.action, grant.resource).catch(() => undefined);
      }
    }
  }

  private simulate(policy: FunctionPolicy, action: string, resource: string): Promise<RunSimulationResults> {
    const now = this.now();
    return runSimulation(
      {
        request: {
          principal: policy.principalArn,
          action,
          // Every local resource belongs to the one local account, whatever account a local
          // emulator writes into its ARNs (local SQS uses its own), so the call is same-account
          // and the identity policy decides, as it does in AWS.
          resource: { resource, accountId: this.scope.account },
          contextVariables: {
            'aws:PrincipalArn': policy.roleArn,
            'aws:PrincipalAccount': accountOfArn(policy.roleArn) ?? this.scope.account,
            'aws:PrincipalType': 'AssumedRole',
            'aws:userid': `AROALOCAL${policy.roleLogicalId
              .toUpperCase()
              .replace(/[^A-Z0-9]/g, '')
              .slice(0, 12)}:${policy.principalArn.split('/').pop()}`,
            'aws:RequestedRegion': this.scope.region,
            // Lambda's SDK calls always go over TLS in AWS; the local hop being plain HTTP must not change decisions.
            'aws:SecureTransport': 'true',
            'aws:ViaAWSService': 'false',
            'aws:PrincipalIsAWSService': 'false',
            'aws:CurrentTime': now.toISOString(),
            'aws:EpochTime': String(Math.floor(now.getTime() / 1000)),
          },
        },
        identityPolicies: policy.documents.map(({ name, document }) => ({ name, policy: document })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
      },
      { simulationMode: 'Strict' },
    );
  }
}

function toDecision(result: RunSimulationResults): Decision {
  if (result.resultType === 'error') {
    return { allowed: false, outcome: 'Error', error: result.errors.message };
  }
  const outcome = result.overallResult;
  return { allowed: outcome === 'Allowed', outcome };
}
