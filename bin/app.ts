#!/usr/bin/env node
/**
 * The CDK app: a stateful stack (tables, queues) and a stateless stack (functions, API), wired
 * with typed props. cdk-nag's AwsSolutions checks run on every synth.
 *
 * Context (cdk.json or -c) is validated first (lib/app-context.ts): stage (default "dev"),
 * retainData (default true), unknownOfferFallbackUrl (https URL, default: a 404 page),
 * proxyProviders (comma list, default "default"): one Secrets Manager secret each,
 * tracepool/<stage>/proxy/<provider>; alarmEmail and alarmWebhookUrl (https): subscribed to
 * alarms and alerts; eventCorsOrigins (comma list of origins or "*", default none);
 * trustedCountryHeader (the viewer-country header a proxy in front of the API sets; default none);
 * ipEchoUrl (https URL that `tracepool ips test` probes each IP with; default ipinfo.io's JSON).
 */
import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { StatefulStack } from '../lib/stacks/stateful-stack';
import { StatelessStack } from '../lib/stacks/stateless-stack';
import { AppContextError, parseAppContext } from '../lib/app-context';

export function buildApp(app: App = new App()): { app: App; stateful: StatefulStack; stateless: StatelessStack } {
  const ctx = parseAppContext(app.node.getAllContext() as Record<string, unknown>);
  const { stage } = ctx;
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  // Stack-level tags are set on each stack explicitly (@aws-cdk/core:explicitStackTags): CloudFormation
  // applies them to every resource, including those the template cannot tag itself.
  const tags = { app: 'tracepool', stage };

  const stateful = new StatefulStack(app, `Tracepool-${stage}-Stateful`, {
    env,
    tags,
    retainData: ctx.retainData,
    proxyProviders: [...ctx.proxyProviders],
    providerSecretPrefix: `tracepool/${stage}/proxy/`,
  });
  const stateless = new StatelessStack(app, `Tracepool-${stage}-Stateless`, {
    env,
    tags,
    data: stateful.data,
    work: stateful.work,
    proxyCredentials: stateful.proxyCredentials,
    trackierSecret: stateful.trackierSecret,
    alarmEmail: ctx.alarmEmail,
    alarmWebhookUrl: ctx.alarmWebhookUrl,
    unknownOfferFallbackUrl: ctx.unknownOfferFallbackUrl,
    eventCorsOrigins: ctx.eventCorsOrigins,
    trustedCountryHeader: ctx.trustedCountryHeader,
    ipEchoUrl: ctx.ipEchoUrl,
    stage,
    retainData: ctx.retainData,
  });
  stateless.addStackDependency(stateful);
  Tags.of(app).add('app', 'tracepool');
  Tags.of(app).add('stage', stage);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stateful, stateless };
}

if (require.main === module) {
  try {
    buildApp().app.synth();
  } catch (error) {
    // A context mistake is the operator's to fix: the message alone, not a stack trace.
    if (!(error instanceof AppContextError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
