/**
 * The real CDK app, with asset bundling skipped (infra tests check templates, not bundles), and
 * the context of cdk.json as `cdk synth` passes it (its feature flags change the templates).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../bin/app';

/** The "context" of the project's cdk.json: the stage default and the feature flags. */
export const CDK_JSON_CONTEXT = (JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;

export function synthApp(context: Record<string, unknown> = {}) {
  const built = buildApp(new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [], ...context } }));
  const assembly = built.app.synth();
  return {
    ...built,
    /** The constructs themselves (`stateful`/`stateless` below are their templates). */
    stacks: { stateful: built.stateful, stateless: built.stateless },
    assembly,
    stateful: Template.fromStack(built.stateful),
    stateless: Template.fromStack(built.stateless),
  };
}
