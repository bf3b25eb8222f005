/**
 * AdminClient implementations: the local stack (bearer token) and a deployed stack (the API URL
 * read from the stack outputs, every call SigV4-signed with the operator's AWS credentials, as
 * the IAM-authorized admin routes require).
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { AdminClient, AdminResponse } from './admin-client';
import { CliError } from './output';

type Method = Parameters<AdminClient['request']>[0];

async function parse<T>(res: Response): Promise<AdminResponse<T>> {
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  let body: unknown = text;
  if (type.includes('json') && text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: res.status, body: body as T };
}

function encode(body: unknown, contentType?: string): { payload?: string; type?: string } {
  if (body === undefined) return {};
  if (typeof body === 'string') return { payload: body, type: contentType ?? 'text/plain' };
  return { payload: JSON.stringify(body), type: contentType ?? 'application/json' };
}

export class LocalAdminClient implements AdminClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async request<T>(method: Method, path: string, body?: unknown, contentType?: string): Promise<AdminResponse<T>> {
    const { payload, type } = encode(body, contentType);
    const res = await fetch(new URL(path, this.baseUrl), {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(type ? { 'content-type': type } : {}) },
      body: payload,
      signal: AbortSignal.timeout(30_000),
    });
    return parse<T>(res);
  }
}

/** A deployed stack to call, and the AWS profile and region to call it with. */
export interface StackTarget {
  readonly stack: string;
  readonly region?: string;
  readonly profile?: string;
}

/** Where a stack's admin API is, found with the target's credentials. */
export type StackLookup = (target: StackTarget, credentials: AwsCredentialIdentityProvider) => Promise<{ url: string; region: string }>;

/** Reads the `ApiUrl` output of the stack's stateless half. */
export const describeStackApi: StackLookup = async (target, credentials) => {
  const cfn = new CloudFormationClient({ credentials, ...(target.region ? { region: target.region } : {}), ...(target.profile ? { profile: target.profile } : {}) });
  try {
    const name = target.stack.endsWith('-Stateless') ? target.stack : `${target.stack}-Stateless`;
    const out = await cfn.send(new DescribeStacksCommand({ StackName: name }));
    const url = out.Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === 'ApiUrl')?.OutputValue;
    if (!url) throw new CliError(`stack ${name} has no ApiUrl output: is it deployed?`);
    return { url, region: await cfn.config.region() };
  } finally {
    cfn.destroy();
  }
};

export class SigV4AdminClient implements AdminClient {
  private constructor(
    readonly baseUrl: string,
    private readonly signer: SignatureV4,
  ) {}

  /**
   * One credential provider, from the named profile when there is one, serves both the stack
   * lookup and the signing of every call.
   */
  static async forStack(target: StackTarget, lookup: StackLookup = describeStackApi): Promise<SigV4AdminClient> {
    const credentials = fromNodeProviderChain(target.profile ? { profile: target.profile } : {});
    const { url, region } = await lookup(target, credentials);
    const signer = new SignatureV4({ service: 'execute-api', region, credentials, sha256: Sha256 });
    return new SigV4AdminClient(url, signer);
  }

  async request<T>(method: Method, path: string, body?: unknown, contentType?: string): Promise<AdminResponse<T>> {
    const url = new URL(path, this.baseUrl);
    const { payload, type } = encode(body, contentType);
    const query: Record<string, string> = {};
    url.searchParams.forEach((v, k) => (query[k] = v));
    const signed = await this.signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      path: url.pathname,
      query,
      headers: { host: url.host, ...(type ? { 'content-type': type } : {}) },
      body: payload,
    });
    const res = await fetch(url, {
      method,
      headers: signed.headers as Record<string, string>,
      body: payload,
      signal: AbortSignal.timeout(30_000),
    });
    return parse<T>(res);
  }
}

/** Defers building the real client (a CloudFormation lookup for --stack) until the first call. */
export class LazyAdminClient implements AdminClient {
  private client: Promise<AdminClient> | undefined;
  private resolved: AdminClient | undefined;

  constructor(private readonly factory: () => Promise<AdminClient>) {}

  get baseUrl(): string {
    return this.resolved?.baseUrl ?? '(not connected yet)';
  }

  async request<T>(method: Method, path: string, body?: unknown, contentType?: string): Promise<AdminResponse<T>> {
    this.client ??= this.factory().then((c) => (this.resolved = c));
    return (await this.client).request<T>(method, path, body, contentType);
  }
}
