/**
 * Signing in with the operators' Cognito user pool (a deployed stack): the authorization-code flow
 * with PKCE on Cognito's hosted page, as OAuth prescribes for a browser app, which cannot keep a
 * client secret. The page's own address is the redirect, so the code comes back here; the code
 * verifier and state wait in sessionStorage (one tab, gone with it) meanwhile.
 *
 * Tokens stay in sessionStorage too, never in a cookie: the admin API reads them from the
 * Authorization header only, so no other site can make the browser send them. The access token
 * (an hour) is refreshed shortly before it expires with the refresh token (a working day).
 */
import type { AuthProvider, TokenStorage } from './auth';

export interface CognitoSettings {
  /** https://<prefix>.auth.<region>.amazoncognito.com */
  readonly domainUrl: string;
  readonly clientId: string;
  /** The console's own address, exactly as the app client lists it. */
  readonly redirectUri: string;
}

/** What the provider needs from the browser, passed in so tests drive it without one. */
export interface BrowserSide {
  readonly fetch: typeof fetch;
  readonly crypto: Pick<Crypto, 'getRandomValues' | 'subtle'>;
  /** Leaves for Cognito's hosted page. */
  readonly navigate: (url: string) => void;
  readonly now: () => number;
}

export const TOKENS_KEY = 'tracepool.cognito.tokens';
export const PENDING_KEY = 'tracepool.cognito.pending';
/** Refresh this long before the access token expires, so no call carries one about to lapse. */
const REFRESH_MARGIN_MS = 60_000;

interface Tokens {
  readonly accessToken: string;
  readonly refreshToken?: string;
  /** Epoch ms. */
  readonly expiresAt: number;
}

interface TokenAnswer {
  access_token?: unknown;
  refresh_token?: unknown;
  expires_in?: unknown;
  error?: unknown;
  error_description?: unknown;
}

const base64url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

export class CognitoSignInError extends Error {
  override readonly name = 'CognitoSignInError';
}

export class CognitoAuth implements AuthProvider {
  readonly kind = 'cognito';
  private refreshing: Promise<Tokens | undefined> | undefined;

  constructor(
    private readonly settings: CognitoSettings,
    private readonly storage: TokenStorage,
    private readonly browser: BrowserSide,
  ) {}

  /** Leaves for the hosted sign-in page, with a fresh PKCE verifier and state kept for the return. */
  async beginSignIn(): Promise<void> {
    const random = (n: number) => base64url(this.browser.crypto.getRandomValues(new Uint8Array(n)));
    const verifier = random(32);
    const state = random(16);
    const digest = new Uint8Array(await this.browser.crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
    this.storage.setItem(PENDING_KEY, JSON.stringify({ verifier, state }));
    const url = new URL('/oauth2/authorize', this.settings.domainUrl);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: this.settings.clientId,
      redirect_uri: this.settings.redirectUri,
      scope: 'openid email',
      state,
      code_challenge: base64url(digest),
      code_challenge_method: 'S256',
    }).toString();
    this.browser.navigate(url.toString());
  }

  /**
   * The return from the hosted page (the query of the console's address): exchanges the code for
   * tokens. False when the address carries no sign-in answer; throws when it is one we did not ask
   * for, or Cognito refused.
   */
  async completeSignIn(search: string): Promise<boolean> {
    const query = new URLSearchParams(search);
    const error = query.get('error');
    const code = query.get('code');
    if (!error && !code) return false;
    const pending = this.takePending();
    if (error) throw new CognitoSignInError(`Sign-in was refused: ${query.get('error_description') ?? error}`);
    // A code we did not ask for in this tab (a forged link) is never exchanged.
    if (!pending || query.get('state') !== pending.state) throw new CognitoSignInError('This sign-in did not start here; sign in again.');
    const tokens = await this.tokenRequest({
      grant_type: 'authorization_code',
      client_id: this.settings.clientId,
      code: code!,
      redirect_uri: this.settings.redirectUri,
      code_verifier: pending.verifier,
    });
    this.store(tokens);
    return true;
  }

  signedIn(): boolean {
    const tokens = this.tokens();
    return !!tokens && (tokens.expiresAt > this.browser.now() || !!tokens.refreshToken);
  }

  async authorization(): Promise<string | undefined> {
    let tokens = this.tokens();
    if (!tokens) return undefined;
    if (tokens.expiresAt - REFRESH_MARGIN_MS <= this.browser.now()) {
      // Concurrent calls share one refresh.
      this.refreshing ??= this.refresh(tokens).finally(() => (this.refreshing = undefined));
      tokens = await this.refreshing;
      if (!tokens) return undefined;
    }
    return `Bearer ${tokens.accessToken}`;
  }

  /** Forgets the tokens here, then ends the hosted page's session too (which comes back to the console). */
  signOut(): void {
    this.storage.removeItem(TOKENS_KEY);
    const url = new URL('/logout', this.settings.domainUrl);
    url.search = new URLSearchParams({ client_id: this.settings.clientId, logout_uri: this.settings.redirectUri }).toString();
    this.browser.navigate(url.toString());
  }

  private async refresh(tokens: Tokens): Promise<Tokens | undefined> {
    if (!tokens.refreshToken) {
      this.storage.removeItem(TOKENS_KEY);
      return undefined;
    }
    try {
      const fresh = await this.tokenRequest({ grant_type: 'refresh_token', client_id: this.settings.clientId, refresh_token: tokens.refreshToken });
      // Cognito does not send a new refresh token: the old one lasts its day.
      const kept = { ...fresh, refreshToken: fresh.refreshToken ?? tokens.refreshToken };
      this.store(kept);
      return kept;
    } catch {
      // Expired or revoked: signed out, and the console asks to sign in again.
      this.storage.removeItem(TOKENS_KEY);
      return undefined;
    }
  }

  private async tokenRequest(form: Record<string, string>): Promise<Tokens> {
    const res = await this.browser.fetch(new URL('/oauth2/token', this.settings.domainUrl).toString(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    const answer = (await res.json().catch(() => ({}))) as TokenAnswer;
    if (!res.ok || typeof answer.access_token !== 'string') {
      throw new CognitoSignInError(`Cognito did not issue tokens: ${String(answer.error_description ?? answer.error ?? `HTTP ${res.status}`)}`);
    }
    const expiresIn = typeof answer.expires_in === 'number' ? answer.expires_in : 3600;
    return {
      accessToken: answer.access_token,
      ...(typeof answer.refresh_token === 'string' ? { refreshToken: answer.refresh_token } : {}),
      expiresAt: this.browser.now() + expiresIn * 1000,
    };
  }

  private takePending(): { verifier: string; state: string } | undefined {
    const raw = this.storage.getItem(PENDING_KEY);
    this.storage.removeItem(PENDING_KEY);
    try {
      const value = raw ? (JSON.parse(raw) as { verifier?: unknown; state?: unknown }) : undefined;
      return typeof value?.verifier === 'string' && typeof value.state === 'string' ? { verifier: value.verifier, state: value.state } : undefined;
    } catch {
      return undefined;
    }
  }

  private tokens(): Tokens | undefined {
    try {
      const raw = this.storage.getItem(TOKENS_KEY);
      const value = raw ? (JSON.parse(raw) as Partial<Tokens>) : undefined;
      return typeof value?.accessToken === 'string' && typeof value.expiresAt === 'number' ? (value as Tokens) : undefined;
    } catch {
      return undefined;
    }
  }

  private store(tokens: Tokens): void {
    this.storage.setItem(TOKENS_KEY, JSON.stringify(tokens));
  }
}
