/**
 * The trace state machine exactly as `cdk synth` produces it: the definition taken from the
 * template, its Fn::Join/GetAtt/Ref resolved, and each Task state mapped to the function it
 * invokes — its Resource when that is the function's ARN (LambdaInvoke with payloadResponseOnly),
 * else Parameters.FunctionName for the optimized integration (`arn:aws:states:::lambda:invoke`,
 * and `.waitForTaskToken` for the callback pattern). From sources the real CDK app is synthesized
 * in process (bundling skipped); with --from-synth the template in cdk.out is read
 * (local/synthesized-app.ts).
 */
import { App, Stack, type CfnElement } from 'aws-cdk-lib';
import { buildApp } from '../bin/app';
import type { FunctionDef } from '../contracts/manifest/functions';
import { LAMBDA_INVOKE_RESOURCES } from './stepfunctions-local';

export interface LocalDefinition {
  readonly definition: Record<string, unknown>;
  /** Task state name → the function it invokes. */
  readonly tasks: Record<string, FunctionDef>;
}

type Token = string | { 'Fn::GetAtt'?: [string, string]; Ref?: string };

interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

const localFunctionArn = (logicalId: string) => `arn:aws:lambda:us-east-1:000000000000:function:${logicalId}`;

/** The logical id in a local function ARN, qualified (`:alias`, `:3`) or not. */
function logicalIdOfArn(arn: unknown): string | undefined {
  if (typeof arn !== 'string' || !arn.startsWith(localFunctionArn(''))) return undefined;
  return arn.slice(localFunctionArn('').length).split(':')[0];
}

function resolvePart(part: Token): string {
  if (typeof part === 'string') return part;
  if (part['Fn::GetAtt']) return localFunctionArn(part['Fn::GetAtt'][0]);
  if (part.Ref === 'AWS::Partition') return 'aws';
  if (part.Ref === 'AWS::Region') return 'us-east-1';
  if (part.Ref === 'AWS::AccountId') return '000000000000';
  throw new Error(`cannot resolve ${JSON.stringify(part)} in the state machine definition`);
}

/**
 * The state machine of a synthesized template, its Task states mapped to functions by the logical
 * id of the function each one invokes.
 */
export function definitionFromTemplate(
  resources: Readonly<Record<string, TemplateResource>>,
  functionByLogicalId: (logicalId: string) => FunctionDef | undefined,
): LocalDefinition {
  const machine = Object.values(resources).find((r) => r.Type === 'AWS::StepFunctions::StateMachine');
  if (!machine) throw new Error('no state machine in the synthesized stateless stack');
  const raw = machine.Properties?.DefinitionString as string | { 'Fn::Join': [string, Token[]] };
  const text = typeof raw === 'string' ? raw : raw['Fn::Join'][1].map(resolvePart).join(raw['Fn::Join'][0]);
  const definition = JSON.parse(text) as { States: Record<string, { Type: string; Resource?: string; Parameters?: Record<string, unknown> }> };
  const tasks: Record<string, FunctionDef> = {};
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type !== 'Task') continue;
    const integration = state.Resource !== undefined && LAMBDA_INVOKE_RESOURCES.includes(state.Resource);
    if (integration && state.Parameters?.['FunctionName.$'] !== undefined) {
      throw new Error(`task ${name} names its function at run time (FunctionName.$), which the local runner cannot map`);
    }
    const target = integration ? state.Parameters?.FunctionName : state.Resource;
    const logicalId = logicalIdOfArn(target);
    const def = logicalId ? functionByLogicalId(logicalId) : undefined;
    if (!def) throw new Error(`task ${name} invokes ${JSON.stringify(target)}, which is no function of the app`);
    tasks[name] = def;
  }
  return { definition, tasks };
}

/** From sources: the app synthesized in process, bundling skipped. */
export function synthesizedDefinition(): LocalDefinition {
  const { app, stateless } = buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [] } }));
  const assembly = app.synth({ validateOnSynthesis: false });
  const template = assembly.getStackByName(stateless.stackName).template as { Resources: Record<string, TemplateResource> };
  const stack = Stack.of(stateless);
  const byLogicalId = new Map<string, FunctionDef>();
  for (const fn of Object.values(stateless.functions)) {
    byLogicalId.set(stack.resolve(stack.getLogicalId(fn.node.defaultChild as CfnElement)) as string, fn.def);
  }
  return definitionFromTemplate(template.Resources, (id) => byLogicalId.get(id));
}
