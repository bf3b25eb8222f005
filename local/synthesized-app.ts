/**
 * The app as `cdk synth` wrote it to cdk.out, read back for the local stack's --from-synth mode:
 * each function's asset directory and handler (`index.handler` → index.mjs), its timeout, memory
 * and Environment.Variables; the HTTP API's routes; the SQS event source mappings; the schedules;
 * the trace state machine. The environment is resolved against the local stand-ins: every
 * intrinsic that points at a table, queue, secret or state machine (Ref, Fn::GetAtt,
 * Fn::GetStackOutput, Fn::ImportValue) becomes the local one, and nothing else changes.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FunctionArchitecture, FunctionDef, HttpMethod, RouteDef } from '../contracts/manifest/functions';
import { TABLE_IDS, type TableId } from '../contracts/manifest/tables';
import { QUEUE_IDS, type QueueId } from '../contracts/manifest/queues';
import { definitionFromTemplate, type LocalDefinition } from './state-machine-definition';
import { PROJECT_ROOT } from './lambda-runtime';
import { LOCAL_REGION } from './net';

interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { readonly Value: unknown; readonly Export?: { readonly Name: unknown } }>;
}

interface StackTemplate {
  readonly name: string;
  readonly template: CfnTemplate;
}

/** A resource a template value points at (after following stack outputs and exports). */
export interface ResourceReference {
  readonly stackName: string;
  readonly logicalId: string;
  readonly type: string;
  /** The construct path (aws:cdk:path), e.g. Tracepool-dev-Stateful/Tables/Catalog/Resource. */
  readonly cdkPath: string;
  /** 'Ref', or the Fn::GetAtt attribute. */
  readonly attribute: string;
  readonly properties: Readonly<Record<string, unknown>>;
}

/** The local stand-in for a referenced resource (a local table name, queue URL, secret ARN…). */
export type LocalValueOf = (reference: ResourceReference, where: string) => string;

export interface SynthesizedFunction {
  /** The function as the template defines it (code path, timeout, memory, routes, event source, schedule). */
  readonly def: FunctionDef;
  readonly stackName: string;
  readonly logicalId: string;
  readonly assetDir: string;
  /** The bundle file Lambda loads for the handler setting (index.handler → index.mjs). */
  readonly bundleFile: string;
  readonly exportName: string;
  /** Environment.Variables exactly as in the template (literals and intrinsics). */
  readonly environment: Readonly<Record<string, unknown>>;
}

export interface SynthesizedSecret {
  readonly name: string;
  /** trackier: the Trackier API secret; provider: a proxy provider's credentials. */
  readonly role: 'trackier' | 'provider' | 'other';
  readonly provider?: string;
}

export interface SynthesizedApp {
  readonly cdkOut: string;
  readonly functions: readonly SynthesizedFunction[];
  readonly stateMachine: LocalDefinition;
  readonly secrets: readonly SynthesizedSecret[];
  /** A function's environment with resource references replaced by their local stand-ins. */
  environmentOf(fn: SynthesizedFunction, localValueOf: LocalValueOf): Record<string, string>;
}

/** Lambda's defaults when a template leaves them out. */
const CFN_DEFAULT_MEMORY_MB = 128;
const CFN_DEFAULT_TIMEOUT_SECONDS = 3;

const PSEUDO: Record<string, string> = {
  'AWS::Region': LOCAL_REGION,
  'AWS::AccountId': '000000000000',
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::NoValue': '',
};

const obj = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;

export function readSynthesizedApp(cdkOut: string): SynthesizedApp {
  const manifest = JSON.parse(readFileSync(path.join(cdkOut, 'manifest.json'), 'utf8')) as {
    artifacts?: Record<string, { type: string; properties?: { templateFile?: string } }>;
  };
  const stacks = new Map<string, StackTemplate>();
  for (const [name, artifact] of Object.entries(manifest.artifacts ?? {})) {
    if (artifact.type !== 'aws:cloudformation:stack' || !artifact.properties?.templateFile) continue;
    const template = JSON.parse(readFileSync(path.join(cdkOut, artifact.properties.templateFile), 'utf8')) as CfnTemplate;
    stacks.set(name, { name, template });
  }
  if (!stacks.size) throw new Error(`${cdkOut}/manifest.json names no CloudFormation stack`);

  const cdkPathOf = (resource: CfnResource) => String(resource.Metadata?.['aws:cdk:path'] ?? '');

  /** Follows a value to the resource it points at (Ref, GetAtt, stack outputs, exports). */
  function referenceOf(stack: StackTemplate, value: unknown, where: string): ResourceReference | undefined {
    const o = obj(value);
    if (!o) return undefined;
    if (typeof o.Ref === 'string' && !o.Ref.startsWith('AWS::')) return resource(stack, o.Ref, 'Ref', where);
    const getAtt = o['Fn::GetAtt'];
    if (getAtt !== undefined) {
      const [id, attribute] = Array.isArray(getAtt) ? (getAtt as string[]) : String(getAtt).split('.');
      return resource(stack, String(id), String(attribute), where);
    }
    const stackOutput = obj(o['Fn::GetStackOutput']);
    if (stackOutput) {
      const other = stacks.get(String(stackOutput.StackName));
      const output = other?.template.Outputs?.[String(stackOutput.OutputName)];
      if (!other || !output) throw new Error(`${where}: no output ${String(stackOutput.OutputName)} in stack ${String(stackOutput.StackName)}`);
      return referenceOf(other, output.Value, where);
    }
    if (o['Fn::ImportValue'] !== undefined) {
      const name = resolve(stack, o['Fn::ImportValue'], where, () => {
        throw new Error(`${where}: an export name that points at a resource`);
      });
      for (const other of stacks.values()) {
        for (const output of Object.values(other.template.Outputs ?? {})) {
          if (output.Export && resolve(other, output.Export.Name, where, () => '') === name) return referenceOf(other, output.Value, where);
        }
      }
      throw new Error(`${where}: no stack exports ${name}`);
    }
    return undefined;
  }

  function resource(stack: StackTemplate, logicalId: string, attribute: string, where: string): ResourceReference {
    const r = stack.template.Resources[logicalId];
    if (!r) throw new Error(`${where}: no resource ${logicalId} in ${stack.name}`);
    return { stackName: stack.name, logicalId, type: r.Type, cdkPath: cdkPathOf(r), attribute, properties: r.Properties ?? {} };
  }

  /** A template value as a string: literals unchanged, references through localValueOf. */
  function resolve(stack: StackTemplate, value: unknown, where: string, localValueOf: LocalValueOf): string {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    const o = obj(value);
    if (typeof o?.Ref === 'string' && o.Ref in PSEUDO) return PSEUDO[o.Ref]!;
    if (o?.Ref === 'AWS::StackName') return stack.name;
    const reference = referenceOf(stack, value, where);
    if (reference) return localValueOf(reference, where);
    const join = o?.['Fn::Join'];
    if (Array.isArray(join)) {
      const [separator, parts] = join as [string, unknown[]];
      return parts.map((part) => resolve(stack, part, where, localValueOf)).join(separator);
    }
    const sub = o?.['Fn::Sub'];
    if (typeof sub === 'string') {
      return sub.replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
        const [id, attribute] = name.split('.');
        return resolve(stack, attribute ? { 'Fn::GetAtt': [id, attribute] } : { Ref: id }, where, localValueOf);
      });
    }
    throw new Error(`${where}: cannot resolve ${JSON.stringify(value)} locally`);
  }

  // Functions: code, handler, settings.
  const functions: SynthesizedFunction[] = [];
  const byLogicalId = new Map<string, { stack: StackTemplate; fn: SynthesizedFunction; def: FunctionDefDraft }>();
  for (const stack of stacks.values()) {
    for (const [logicalId, r] of Object.entries(stack.template.Resources)) {
      if (r.Type !== 'AWS::Lambda::Function') continue;
      const props = r.Properties ?? {};
      const id = cdkPathOf(r).split('/')[1];
      if (!id) throw new Error(`${stack.name}/${logicalId}: no aws:cdk:path metadata (synthesize with path metadata on, the CLI's default)`);
      const assetDir = assetDirOf(cdkOut, stack.name, r);
      const [moduleName, exportName] = splitHandler(String(props.Handler ?? ''), `${id}.Handler`);
      const bundleFile = ['.mjs', '.cjs', '.js'].map((ext) => path.join(assetDir, moduleName + ext)).find((file) => existsSync(file));
      if (!bundleFile) throw new Error(`${id}: no ${moduleName}.mjs/.cjs/.js in ${assetDir}`);
      const def: FunctionDefDraft = {
        id,
        entry: path.relative(PROJECT_ROOT, bundleFile),
        description: String(props.Description ?? id),
        architecture: (Array.isArray(props.Architectures) && props.Architectures[0] === 'x86_64' ? 'x86_64' : 'arm64') as FunctionArchitecture,
        memoryMb: Number(props.MemorySize ?? CFN_DEFAULT_MEMORY_MB),
        timeoutSeconds: Number(props.Timeout ?? CFN_DEFAULT_TIMEOUT_SECONDS),
        routes: [],
      };
      const environment = (obj(obj(props.Environment)?.Variables) ?? {}) as Record<string, unknown>;
      const fn: SynthesizedFunction = { def, stackName: stack.name, logicalId, assetDir, bundleFile, exportName, environment };
      functions.push(fn);
      byLogicalId.set(logicalId, { stack, fn, def });
    }
  }
  const functionAt = (stack: StackTemplate, value: unknown, where: string) => {
    const reference = referenceOf(stack, value, where);
    return reference?.type === 'AWS::Lambda::Function' ? byLogicalId.get(reference.logicalId)?.def : undefined;
  };

  // Routes, event sources, schedules, secrets.
  const secrets: SynthesizedSecret[] = [];
  for (const stack of stacks.values()) {
    const resources = stack.template.Resources;
    for (const [logicalId, r] of Object.entries(resources)) {
      const props = r.Properties ?? {};
      const where = `${stack.name}/${logicalId}`;
      if (r.Type === 'AWS::ApiGatewayV2::Route') {
        const m = /^([A-Z]+) (\/\S*)$/.exec(String(props.RouteKey ?? ''));
        const integrationId = JSON.stringify(props.Target ?? '').match(/"Ref":"([^"]+)"/)?.[1];
        const integration = integrationId ? resources[integrationId] : undefined;
        const def = integration ? functionAt(stack, integration.Properties?.IntegrationUri, where) : undefined;
        if (!m || !def) throw new Error(`${where}: route ${String(props.RouteKey)} does not lead to a function of the app`);
        const route: RouteDef = { method: m[1] as HttpMethod, path: m[2]!, auth: props.AuthorizationType === 'NONE' ? 'public' : 'admin' };
        // The console's API serves the admin routes again (its own authorizer): locally one origin
        // serves both, each admin route once, behind the admin token.
        if (!def.routes.some((r) => r.method === route.method && r.path === route.path && r.auth === route.auth)) def.routes.push(route);
      } else if (r.Type === 'AWS::Lambda::EventSourceMapping') {
        const def = functionAt(stack, props.FunctionName, where);
        const queue = queueOf(referenceOf(stack, props.EventSourceArn, where));
        if (!def || !queue || queue.dlq) throw new Error(`${where}: an event source other than a queue of the app`);
        def.sqsSource = {
          queue: queue.id,
          batchSize: Number(props.BatchSize ?? 10),
          maxBatchingWindowSeconds: Number(props.MaximumBatchingWindowInSeconds ?? 0),
          maxConcurrency: Number(obj(props.ScalingConfig)?.MaximumConcurrency ?? 5),
        };
      } else if (r.Type === 'AWS::Events::Rule' && props.ScheduleExpression && props.State !== 'DISABLED') {
        const everyMinutes = rateMinutes(String(props.ScheduleExpression));
        for (const target of (props.Targets as { Arn?: unknown }[] | undefined) ?? []) {
          const def = functionAt(stack, target.Arn, where);
          if (def && everyMinutes) def.everyMinutes = everyMinutes;
        }
      } else if (r.Type === 'AWS::SecretsManager::Secret' && typeof props.Name === 'string') {
        const provider = /\/Provider-([^/]+)\//.exec(cdkPathOf(r))?.[1];
        secrets.push({ name: props.Name, role: provider ? 'provider' : /\/TrackierApi\//.test(cdkPathOf(r)) ? 'trackier' : 'other', ...(provider ? { provider } : {}) });
      }
    }
  }

  const machineStack = [...stacks.values()].find((s) => Object.values(s.template.Resources).some((r) => r.Type === 'AWS::StepFunctions::StateMachine'));
  if (!machineStack) throw new Error(`no state machine in ${cdkOut}`);
  const stateMachine = definitionFromTemplate(machineStack.template.Resources, (logicalId) => byLogicalId.get(logicalId)?.def);

  return {
    cdkOut,
    functions,
    stateMachine,
    secrets,
    environmentOf(fn, localValueOf) {
      const stack = stacks.get(fn.stackName)!;
      return Object.fromEntries(Object.entries(fn.environment).map(([name, value]) => [name, resolve(stack, value, `${fn.def.id}.Environment.${name}`, localValueOf)]));
    },
  };
}

/** FunctionDef while it is being filled in from the template. */
type FunctionDefDraft = Omit<FunctionDef, 'routes' | 'sqsSource' | 'everyMinutes'> & {
  routes: RouteDef[];
  sqsSource?: FunctionDef['sqsSource'];
  everyMinutes?: number;
};

function splitHandler(handler: string, where: string): [string, string] {
  const dot = handler.lastIndexOf('.');
  if (dot <= 0) throw new Error(`${where}: handler "${handler}" is not <file>.<export>`);
  return [handler.slice(0, dot), handler.slice(dot + 1)];
}

/** The staged asset directory of a function's code: its asset metadata, else the stack's assets manifest. */
function assetDirOf(cdkOut: string, stackName: string, r: CfnResource): string {
  const fromMetadata = r.Metadata?.['aws:asset:path'];
  if (typeof fromMetadata === 'string') return path.resolve(cdkOut, fromMetadata);
  const key = String(obj(r.Properties?.Code)?.S3Key ?? '').replace(/\.zip$/, '');
  const assets = JSON.parse(readFileSync(path.join(cdkOut, `${stackName}.assets.json`), 'utf8')) as { files?: Record<string, { source?: { path?: string } }> };
  const source = assets.files?.[key]?.source?.path;
  if (!source) throw new Error(`${stackName}: no staged asset for code ${key}`);
  return path.resolve(cdkOut, source);
}

/** rate(N minute|minutes|hour|hours|day|days) in minutes; cron() is not run locally. */
function rateMinutes(expression: string): number | undefined {
  const m = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(expression);
  if (!m) return undefined;
  return Number(m[1]) * { minute: 1, hour: 60, day: 24 * 60 }[m[2] as 'minute' | 'hour' | 'day'];
}

/**
 * The construct path without the stack and the trailing "Resource" (Tables/Catalog,
 * Queues/TraceRequestsDlq); the logical id without its hash when the template has no path metadata.
 */
export function constructPath(reference: ResourceReference): string[] {
  const segments = reference.cdkPath ? reference.cdkPath.split('/').slice(1) : [reference.logicalId.replace(/[0-9A-F]{8}$/, '')];
  return segments.at(-1) === 'Resource' ? segments.slice(0, -1) : segments;
}

/** The manifest table a referenced resource is (its construct path names it). */
export function tableOf(reference: ResourceReference | undefined): TableId | undefined {
  if (!reference || !/^AWS::DynamoDB::(Global)?Table$/.test(reference.type)) return undefined;
  const segments = constructPath(reference);
  return TABLE_IDS.find((id) => segments.includes(id) || segments.includes(`Tables${id}`));
}

/** The manifest queue (or its DLQ) a referenced resource is. */
export function queueOf(reference: ResourceReference | undefined): { id: QueueId; dlq: boolean } | undefined {
  if (!reference || reference.type !== 'AWS::SQS::Queue') return undefined;
  const segments = constructPath(reference);
  for (const id of QUEUE_IDS) {
    if (segments.includes(`${id}Dlq`) || segments.includes(`Queues${id}Dlq`)) return { id, dlq: true };
    if (segments.includes(id) || segments.includes(`Queues${id}`)) return { id, dlq: false };
  }
  return undefined;
}
