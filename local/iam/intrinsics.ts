/**
 * Evaluates a synthesized template's values as CloudFormation would, locally: Ref, Fn::GetAtt,
 * Fn::Join, Fn::Sub, Fn::Select, Fn::Split, Fn::GetStackOutput, Fn::ImportValue and the pseudo
 * parameters. A reference to a resource becomes whatever the given stand-in makes of it (a local
 * name or ARN, or a label); policies.ts supplies the stand-ins.
 */
import type { ArnScope } from './arns';
import type { AppTemplates, CfnTemplate } from './templates';
import type { ResourceReference } from '../synthesized-app';
import type { PolicyDocument, PolicyStatement } from './policies';

export type StandIn = (reference: ResourceReference) => string;

export const obj = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;

export const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

export function templateResolver(templates: AppTemplates, scope: ArnScope) {
  const pseudo = (name: string, stackName: string): string | undefined =>
    ({
      'AWS::Region': scope.region,
      'AWS::AccountId': scope.account,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': stackName,
      'AWS::NoValue': '',
    })[name];

  function templateOf(stackName: string): CfnTemplate {
    const template = templates.get(stackName);
    if (!template) throw new Error(`no stack ${stackName} among the synthesized templates`);
    return template;
  }

  function reference(stackName: string, logicalId: string, attribute: string, where: string): ResourceReference {
    const r = templateOf(stackName).Resources[logicalId];
    if (!r) throw new Error(`${where}: no resource ${logicalId} in ${stackName}`);
    return { stackName, logicalId, type: r.Type, cdkPath: String(r.Metadata?.['aws:cdk:path'] ?? ''), attribute, properties: r.Properties ?? {} };
  }

  /** Evaluates a template value to a string, or a list for list-valued intrinsics. */
  function resolve(stackName: string, value: unknown, standIn: StandIn, where: string): string | string[] {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (Array.isArray(value)) return value.map((v) => resolveString(stackName, v, standIn, where));
    const o = obj(value);
    if (!o) throw new Error(`${where}: cannot resolve ${JSON.stringify(value)}`);
    if (typeof o.Ref === 'string') {
      const p = pseudo(o.Ref, stackName);
      if (p !== undefined) return p;
      return standIn(reference(stackName, o.Ref, 'Ref', where));
    }
    const getAtt = o['Fn::GetAtt'];
    if (getAtt !== undefined) {
      const [id, attribute] = Array.isArray(getAtt) ? (getAtt as unknown[]).map(String) : String(getAtt).split('.');
      return standIn(reference(stackName, String(id), String(attribute), where));
    }
    const join = o['Fn::Join'];
    if (Array.isArray(join)) {
      const [separator, parts] = join as [string, unknown];
      const list = Array.isArray(parts) ? parts.map((p) => resolveString(stackName, p, standIn, where)) : asArray(resolve(stackName, parts, standIn, where));
      return list.join(separator);
    }
    const sub = o['Fn::Sub'];
    if (sub !== undefined) {
      const [text, variables] = Array.isArray(sub) ? (sub as [string, Record<string, unknown>?]) : [String(sub), undefined];
      return text.replace(/\$\{([^}!][^}]*)\}/g, (_, name: string) => {
        if (variables && name in variables) return resolveString(stackName, variables[name], standIn, where);
        const [id, attribute] = name.split('.');
        return resolveString(stackName, attribute ? { 'Fn::GetAtt': [id, attribute] } : { Ref: id }, standIn, where);
      });
    }
    const select = o['Fn::Select'];
    if (Array.isArray(select)) {
      const [index, list] = select as [unknown, unknown];
      const items = asArray(resolve(stackName, list, standIn, where));
      const item = items[Number(resolveString(stackName, index, standIn, where))];
      if (item === undefined) throw new Error(`${where}: Fn::Select index out of range`);
      return item;
    }
    const split = o['Fn::Split'];
    if (Array.isArray(split)) {
      const [separator, source] = split as [string, unknown];
      return resolveString(stackName, source, standIn, where).split(separator);
    }
    const stackOutput = obj(o['Fn::GetStackOutput']);
    if (stackOutput) {
      const other = resolveString(stackName, stackOutput.StackName, standIn, where);
      const outputName = resolveString(stackName, stackOutput.OutputName, standIn, where);
      const output = templateOf(other).Outputs?.[outputName];
      if (!output) throw new Error(`${where}: no output ${outputName} in stack ${other}`);
      return resolve(other, output.Value, standIn, where);
    }
    if (o['Fn::ImportValue'] !== undefined) {
      const name = resolveString(stackName, o['Fn::ImportValue'], standIn, where);
      for (const [otherName, other] of templates) {
        for (const output of Object.values(other.Outputs ?? {})) {
          if (output.Export && resolveString(otherName, output.Export.Name, standIn, where) === name) return resolve(otherName, output.Value, standIn, where);
        }
      }
      throw new Error(`${where}: no stack exports ${name}`);
    }
    throw new Error(`${where}: cannot resolve ${JSON.stringify(value)} locally`);
  }

  function resolveString(stackName: string, value: unknown, standIn: StandIn, where: string): string {
    const resolved = resolve(stackName, value, standIn, where);
    if (Array.isArray(resolved)) throw new Error(`${where}: a list where a string is expected`);
    return resolved;
  }

  /** A policy document with every intrinsic resolved (Resource, NotResource, Condition values). */
  function resolveDocument(stackName: string, document: unknown, standIn: StandIn, where: string): PolicyDocument {
    const doc = obj(document);
    if (!doc) throw new Error(`${where}: not a policy document`);
    const statements = asArray(doc.Statement as unknown) as Record<string, unknown>[];
    const resolveList = (value: unknown): string | string[] | undefined => {
      if (value === undefined) return undefined;
      if (Array.isArray(value)) return value.flatMap((v) => asArray(resolve(stackName, v, standIn, where)));
      return resolve(stackName, value, standIn, where);
    };
    return {
      Version: String(doc.Version ?? '2012-10-17'),
      Statement: statements.map((s) => {
        const statement: Record<string, unknown> = { ...s };
        for (const key of ['Resource', 'NotResource'] as const) {
          if (s[key] !== undefined) statement[key] = resolveList(s[key]);
        }
        const condition = obj(s.Condition);
        if (condition) {
          statement.Condition = Object.fromEntries(
            Object.entries(condition).map(([op, pairs]) => [op, Object.fromEntries(Object.entries(obj(pairs) ?? {}).map(([k, v]) => [k, resolveList(v)]))]),
          );
        }
        return statement as unknown as PolicyStatement;
      }),
    };
  }

  return { resolve, resolveString, resolveDocument };
}
