#!/usr/bin/env node
/**
 * The CDK app: a stateful stack (tables, queues) and a stateless stack (functions, API), wired
 * with typed props. cdk-nag's AwsSolutions checks run on every synth.
 *
 * Context (cdk.json or -c): stage (default "dev"), retainData (default true),
 * unknownOfferFallbackUrl (https URL, default: a 404 page), proxyProviders (comma list, default
 * "default"): one Secrets Manager secret each, tracepool/<stage>/proxy/<provider>; alarmEmail and
 * alarmWebhookUrl (https): subscribed to alarms and alerts.
 */
import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { StatefulStack } from '../lib/stacks/stateful-stack';
import { StatelessStack } from '../lib/stacks/stateless-stack';

export function buildApp(app: App = new App()): { app: App; stateful: StatefulStack; stateless: StatelessStack } {
  const stage = String(app.node.tryGetContext('stage') ?? 'dev');
  const retainData = String(app.node.tryGetContext('retainData') ?? 'true') !== 'false';
  const fallback = app.node.tryGetContext('unknownOfferFallbackUrl') as string | undefined;
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };

  const proxyProviders = String(app.node.tryGetContext('proxyProviders') ?? 'default')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const stateful = new StatefulStack(app, `Tracepool-${stage}-Stateful`, {
    env,
    retainData,
    proxyProviders,
    providerSecretPrefix: `tracepool/${stage}/proxy/`,
  });
  const stateless = new StatelessStack(app, `Tracepool-${stage}-Stateless`, {
    env,
    data: stateful.data,
    work: stateful.work,
    proxyCredentials: stateful.proxyCredentials,
    trackierSecret: stateful.trackierSecret,
    alarmEmail: app.node.tryGetContext('alarmEmail') as string | undefined,
    alarmWebhookUrl: app.node.tryGetContext('alarmWebhookUrl') as string | undefined,
    unknownOfferFallbackUrl: fallback,
  });
  stateless.addStackDependency(stateful);
  Tags.of(app).add('app', 'tracepool');
  Tags.of(app).add('stage', stage);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stateful, stateless };
}

if (require.main === module) {
  buildApp().app.synth();
}
