/**
 * The click's settings as deployed: its time budget and stale-offer age, no country header trusted
 * unless the context names one, and the country database with the starter, not the click.
 */
import { synthApp } from '../support/cdk-app';

function environmentOf(stateless: ReturnType<typeof synthApp>['stateless'], functionId: string): Record<string, unknown> {
  const fns = stateless.findResources('AWS::Lambda::Function');
  const [, fn] = Object.entries(fns).find(([id]) => id.startsWith(functionId) && !id.includes('ServiceRole'))!;
  return fn.Properties.Environment.Variables;
}

it('gives the click its 1 s budget and 24 h stale-offer age, and trusts no country header by default', () => {
  const { stateless } = synthApp();
  const click = environmentOf(stateless, 'Click');
  expect(click).toMatchObject({ CLICK_BUDGET_MS: '1000', OFFER_MAX_STALE_MS: '86400000' });
  expect(click).not.toHaveProperty('TRUSTED_COUNTRY_HEADER');
  // The country database ships with the starter, which resolves clicks' addresses.
  expect(click).not.toHaveProperty('GEO_DB_DIR');
  expect(environmentOf(stateless, 'TraceStarter')).toMatchObject({ GEO_DB_DIR: '/var/task' });
});

it('trusts the country header the context names', () => {
  const { stateless } = synthApp({ trustedCountryHeader: 'cloudfront-viewer-country' });
  expect(environmentOf(stateless, 'Click')).toMatchObject({ TRUSTED_COUNTRY_HEADER: 'cloudfront-viewer-country' });
});
