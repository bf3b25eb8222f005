/** The CDK app's context settings: defaults, accepted forms, and one clear error naming every problem. */
import { App } from 'aws-cdk-lib';
import { AppContextError, parseAppContext } from '../../../lib/app-context';
import { buildApp } from '../../../bin/app';

const problemsOf = (context: Record<string, unknown>): readonly string[] => {
  try {
    parseAppContext(context);
  } catch (error) {
    if (error instanceof AppContextError) return error.problems;
    throw error;
  }
  throw new Error('expected the context to be rejected');
};

describe('parseAppContext', () => {
  it('defaults to the dev stage, retained data, the default provider and no CORS origins', () => {
    expect(parseAppContext({})).toEqual({ stage: 'dev', retainData: true, proxyProviders: ['default'], eventCorsOrigins: [] });
  });

  it('accepts -c strings and cdk.json values alike', () => {
    const fromCli = parseAppContext({
      stage: 'prod',
      retainData: 'true',
      proxyProviders: 'brightdata, oxylabs',
      alarmEmail: 'ops@example.com',
      alarmWebhookUrl: 'https://hooks.example.com/tracepool',
      unknownOfferFallbackUrl: 'https://shop.example/',
      eventCorsOrigins: 'https://shop.example,http://localhost:8080',
    });
    expect(fromCli).toEqual({
      stage: 'prod',
      retainData: true,
      proxyProviders: ['brightdata', 'oxylabs'],
      alarmEmail: 'ops@example.com',
      alarmWebhookUrl: 'https://hooks.example.com/tracepool',
      unknownOfferFallbackUrl: 'https://shop.example/',
      eventCorsOrigins: ['https://shop.example', 'http://localhost:8080'],
    });
    const fromJson = parseAppContext({ stage: 'dev-alice', retainData: false, proxyProviders: ['a', 'b'], eventCorsOrigins: '*' });
    expect(fromJson).toMatchObject({ stage: 'dev-alice', retainData: false, proxyProviders: ['a', 'b'], eventCorsOrigins: ['*'] });
  });

  it("treats an empty value as not set, and leaves the CDK's own keys alone", () => {
    expect(parseAppContext({ alarmEmail: '', '@aws-cdk/core:checkSecretUsage': true, 'aws:cdk:bundling-stacks': [], 'acknowledged-issue-numbers': [1] })).toEqual(
      parseAppContext({}),
    );
  });

  it('rejects an unknown stage and says which stages exist', () => {
    expect(problemsOf({ stage: 'production' })).toEqual([expect.stringMatching(/^stage: unknown stage "production": use dev, staging, prod, or dev-<name>/)]);
    expect(problemsOf({ stage: 'dev-Alice' })).toHaveLength(1);
  });

  it('rejects a personal stage that Cognito would refuse in the console sign-in domain, before any deploy', () => {
    for (const stage of ['dev-awsteam', 'dev-myamazon', 'dev-cognito1']) {
      expect(problemsOf({ stage })).toEqual([
        expect.stringMatching(new RegExp(`^stage: stage "${stage}" names the operator console's sign-in domain, which must not contain aws, amazon, cognito`)),
      ]);
    }
    expect(parseAppContext({ stage: 'dev-alice' }).stage).toBe('dev-alice');
  });

  it('rejects bad values, all of them at once', () => {
    const problems = problemsOf({
      retainData: 'no',
      proxyProviders: 'ok,Bad Name',
      alarmEmail: 'not-an-address',
      alarmWebhookUrl: 'http://insecure.example.com',
      unknownOfferFallbackUrl: 'javascript:alert(1)',
      eventCorsOrigins: 'https://shop.example/path',
    });
    expect(problems.map((p) => p.split(/[: ]/)[0]).sort()).toEqual(
      ['alarmEmail', 'alarmWebhookUrl', 'eventCorsOrigins', 'proxyProviders', 'retainData', 'unknownOfferFallbackUrl'].sort(),
    );
    expect(problems.join('\n')).toMatch(/retainData: must be true or false/);
    expect(problems.join('\n')).toMatch(/alarmWebhookUrl: must be an absolute https:\/\/ URL/);
    expect(problems.join('\n')).toMatch(/proxyProviders \(item 2\): each provider name must be lower-case/);
  });

  it('trusts no country header unless one is named, and only a known one', () => {
    expect(parseAppContext({}).trustedCountryHeader).toBeUndefined();
    expect(parseAppContext({ trustedCountryHeader: 'CF-IPCountry' }).trustedCountryHeader).toBe('cf-ipcountry');
    expect(problemsOf({ trustedCountryHeader: 'x-forwarded-for' })).toEqual([
      expect.stringMatching(/^trustedCountryHeader: must be one of cloudfront-viewer-country, cf-ipcountry, x-viewer-country/),
    ]);
  });

  it('never lets prod data be disposable', () => {
    expect(problemsOf({ stage: 'prod', retainData: 'false' })).toEqual([expect.stringMatching(/^retainData: cannot be false for the prod stage/)]);
  });

  it('rejects repeated providers and a likely typo of a setting', () => {
    expect(problemsOf({ proxyProviders: 'a,a' })).toEqual([expect.stringMatching(/^proxyProviders: provider names must not repeat/)]);
    expect(problemsOf({ alarmEmial: 'ops@example.com' })).toEqual([expect.stringMatching(/^alarmEmial: unknown setting \(known: stage, retainData/)]);
  });
});

describe('buildApp', () => {
  it('stops before building anything, with every problem in one message', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [], stage: 'qa', alarmEmail: 'nope' } });
    expect(() => buildApp(app)).toThrow(
      /Invalid CDK context \(cdk.json "context" or -c key=value\):\n {2}- stage: unknown stage "qa".*\n {2}- alarmEmail: must be an e-mail address/s,
    );
    expect(app.node.children).toHaveLength(0);
  });
});
