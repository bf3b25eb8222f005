/**
 * The CDK app's context settings (cdk.json "context" or `-c key=value`), validated before any
 * construct is built, so a typo or a bad value stops `cdk synth` with one message naming every
 * problem instead of deploying something else than was meant.
 *
 * Values given with `-c` always arrive as strings; cdk.json may give booleans or arrays. Both are
 * accepted where that makes sense.
 */
import { z } from 'zod';
import { TRUSTABLE_COUNTRY_HEADERS, type TrustableCountryHeader } from '../contracts/manifest/env';

/** Stages with a fixed meaning; `dev-<name>` gives each engineer a personal stack. */
export const STAGES = ['dev', 'staging', 'prod'] as const;
const PERSONAL_STAGE = /^dev-[a-z0-9]{1,16}$/;
/** Words Cognito does not accept in a domain prefix. */
const COGNITO_RESERVED = ['aws', 'amazon', 'cognito'];

export interface AppContext {
  /** Prefix of the stack names (`Tracepool-<stage>-…`) and of the secrets' names. */
  readonly stage: string;
  /** false: tables and queues are deleted with their stack. Never for prod. */
  readonly retainData: boolean;
  readonly unknownOfferFallbackUrl?: string;
  /** One Secrets Manager secret each: tracepool/<stage>/proxy/<provider>. */
  readonly proxyProviders: readonly string[];
  readonly alarmEmail?: string;
  readonly alarmWebhookUrl?: string;
  /** Origins allowed to send events from browsers (`*` for any); none by default. */
  readonly eventCorsOrigins: readonly string[];
  /**
   * The viewer-country header the click believes: only where a proxy in front of the API sets it
   * and overwrites the client's. None by default: the country comes from the client address.
   */
  readonly trustedCountryHeader?: TrustableCountryHeader;
  /** The echo URL `tracepool ips test` probes each IP with; ipinfo.io's JSON when unset. */
  readonly ipEchoUrl?: string;
}

/** The keys this app reads. */
export const CONTEXT_KEYS = [
  'stage',
  'retainData',
  'unknownOfferFallbackUrl',
  'proxyProviders',
  'alarmEmail',
  'alarmWebhookUrl',
  'eventCorsOrigins',
  'trustedCountryHeader',
  'ipEchoUrl',
] as const;

const httpsUrl = z
  .string()
  .trim()
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'https:' && !!url.hostname && !url.username && !url.password;
    } catch {
      return false;
    }
  }, 'must be an absolute https:// URL without credentials');

/** A comma list from `-c`, or an array from cdk.json. */
const list = (item: z.ZodType<string, string>, what: string) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((value) => (Array.isArray(value) ? value : value.split(',')).map((v) => v.trim()).filter(Boolean))
    .pipe(z.array(item))
    .refine((values) => new Set(values).size === values.length, `${what} must not repeat`);

const booleanLike = z.union([z.boolean(), z.enum(['true', 'false'])], { error: 'must be true or false' }).transform((value) => value === true || value === 'true');

// An origin as browsers send it: scheme, host and optional port, nothing else.
const origin = z.string().regex(/^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/i, 'each origin must look like https://example.com (scheme, host, optional port; no path)');

const schema = z
  .object({
    stage: z
      .string()
      .default('dev')
      .refine((s) => (STAGES as readonly string[]).includes(s) || PERSONAL_STAGE.test(s), {
        error: (issue) => `unknown stage "${String(issue.input)}": use ${STAGES.join(', ')}, or dev-<name> (lower-case letters and digits) for a personal stack`,
      })
      // The stage is part of the console's Cognito domain prefix, which Cognito refuses (at deploy,
      // not at synth) when it contains one of these words.
      .refine((s) => !COGNITO_RESERVED.some((word) => s.includes(word)), {
        error: (issue) => `stage "${String(issue.input)}" names the operator console's sign-in domain, which must not contain ${COGNITO_RESERVED.join(', ')}`,
      }),
    retainData: booleanLike.default(true),
    unknownOfferFallbackUrl: httpsUrl.optional(),
    proxyProviders: list(
      z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'each provider name must be lower-case letters, digits and dashes (it names a secret)'),
      'provider names',
    )
      .default(['default'])
      .refine((providers) => providers.length > 0, 'name at least one provider'),
    alarmEmail: z.email('must be an e-mail address').optional(),
    alarmWebhookUrl: httpsUrl.optional(),
    eventCorsOrigins: z
      .union([z.literal('*'), list(origin, 'origins')])
      .default([])
      .transform((value) => (value === '*' ? ['*'] : value)),
    trustedCountryHeader: z
      .string()
      .trim()
      .toLowerCase()
      .pipe(
        z.enum(TRUSTABLE_COUNTRY_HEADERS, {
          error: `must be one of ${TRUSTABLE_COUNTRY_HEADERS.join(', ')} (set it only when a proxy in front of the API sets that header)`,
        }),
      )
      .optional(),
    ipEchoUrl: httpsUrl.optional(),
  })
  .superRefine((ctx, issues) => {
    if (ctx.stage === 'prod' && !ctx.retainData) {
      issues.addIssue({ code: 'custom', path: ['retainData'], message: 'cannot be false for the prod stage: production data is never disposable' });
    }
  });

export class AppContextError extends Error {
  override readonly name = 'AppContextError';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid CDK context (cdk.json "context" or -c key=value):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * Validates the app's context; an empty value (`-c alarmEmail=`) counts as not set. Keys that look like ours (plain camelCase) but are not one of
 * CONTEXT_KEYS are rejected as typos; keys with `:`, `-` or `@` belong to the CDK (feature flags,
 * lookups, CLI settings) and are left alone.
 */
export function parseAppContext(all: Record<string, unknown>): AppContext {
  const problems: string[] = [];
  for (const key of Object.keys(all)) {
    if (/^[a-z][A-Za-z0-9]*$/.test(key) && !(CONTEXT_KEYS as readonly string[]).includes(key)) {
      problems.push(`${key}: unknown setting (known: ${CONTEXT_KEYS.join(', ')})`);
    }
  }
  const picked = Object.fromEntries(CONTEXT_KEYS.filter((k) => all[k] !== undefined && all[k] !== null && all[k] !== '').map((k) => [k, all[k]]));
  const parsed = schema.safeParse(picked);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const [key, index] = issue.path;
      problems.push(`${String(key ?? '(context)')}${typeof index === 'number' ? ` (item ${index + 1})` : ''}: ${issue.message}`);
    }
  }
  if (problems.length || !parsed.success) throw new AppContextError(problems);
  return parsed.data;
}
