/**
 * The stack's offerCacheTtlMs reaches every function that caches offers (the click, AcquireLease,
 * the Trackier webhook) as OFFER_CACHE_TTL_MS, with the default the handlers assume when unset.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { StatefulStack } from '../../lib/stacks/stateful-stack';
import { StatelessStack } from '../../lib/stacks/stateless-stack';
import { ENV_DEFAULTS } from '../../contracts/manifest/env';
import { CDK_JSON_CONTEXT, synthApp } from '../support/cdk-app';

const CACHING = ['Click', 'AcquireLease', 'TrackierWebhook'];

function environmentOf(stateless: Template, functionId: string): Record<string, unknown> {
  const fns = stateless.findResources('AWS::Lambda::Function');
  const [, fn] = Object.entries(fns).find(([id]) => id.startsWith(functionId) && !id.includes('ServiceRole'))!;
  return fn.Properties.Environment.Variables;
}

it('gives each function that caches offers the default TTL the handlers assume', () => {
  const { stateless } = synthApp();
  for (const id of CACHING) expect(environmentOf(stateless, id)).toMatchObject({ OFFER_CACHE_TTL_MS: String(ENV_DEFAULTS.offerCacheTtlMs) });
});

it('gives each of them the configured TTL', () => {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  const stateful = new StatefulStack(app, 'OfferCacheStateful', { proxyProviders: ['default'], providerSecretPrefix: 'tracepool/test/proxy/' });
  const stateless = new StatelessStack(app, 'OfferCacheStateless', {
    data: stateful.data,
    work: stateful.work,
    proxyCredentials: stateful.proxyCredentials,
    trackierSecret: stateful.trackierSecret,
    offerCacheTtlMs: 5_000,
  });
  const template = Template.fromStack(stateless);
  for (const id of CACHING) expect(environmentOf(template, id)).toMatchObject({ OFFER_CACHE_TTL_MS: '5000' });
});
