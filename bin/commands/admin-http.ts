/**
 * AdminClient implementations: the local stack (bearer token) and a deployed stack (the API URL
 * read from the stack outputs, every call SigV4-signed with the operator's AWS credentials, as
 * the IAM-authorized admin routes require).
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import type { AdminClient, AdminResponse } from './admin-client';

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

export class SigV4AdminClient implements AdminClient {
  private constructor(
    readonly baseUrl: string,
    private readonly signer: SignatureV4,
  ) {}

  /** Finds the API URL in the `ApiUrl` output of the stack's stateless half. */
  static async forStack(stackName: string, region?: string): Promise<SigV4AdminClient> {
    const cfn = new CloudFormationClient(region ? { region } : {});
    const name = stackName.endsWith('-Stateless') ? stackName : `${stackName}-Stateless`;
    const out = await cfn.send(new DescribeStacksCommand({ StackName: name }));
    const url = out.Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === 'ApiUrl')?.OutputValue;
    if (!url) throw new Error(`stack ${name} has no ApiUrl output: is it deployed?`);
    const resolvedRegion = await cfn.config.region();
    cfn.destroy();
    const signer = new SignatureV4({
      service: 'execute-api',
      region: resolvedRegion,
      credentials: fromNodeProviderChain(),
      sha256: Sha256,
    });
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
