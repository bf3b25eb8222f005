/**
 * How the console signs operators in, behind one small interface so another way slots in without
 * touching the pages: on the local stack the admin token (kept in sessionStorage: gone with the
 * tab, never in a cookie, sent as `Authorization: Bearer <token>`); in AWS the operators' Cognito
 * user pool's tokens, refreshed as they expire (cognito-auth.ts).
 */
import { CognitoAuth, type BrowserSide, type CognitoSettings } from './cognito-auth';

export type SignInKind = 'admin-token' | 'cognito' | 'none';

export interface AuthProvider {
  readonly kind: SignInKind;
  /** Whether calls can be authorized now (a token is held). */
  signedIn(): boolean;
  /** The Authorization header for an admin call, or undefined when signed out. Async: a JWT may need refreshing first. */
  authorization(): Promise<string | undefined>;
  signOut(): void;
}

/** The part of the Web Storage API used (sessionStorage in the browser, a map in tests). */
export type TokenStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export const TOKEN_KEY = 'tracepool.adminToken';

/** The local stack's sign-in: the admin token it printed at start-up. */
export class AdminTokenAuth implements AuthProvider {
  readonly kind = 'admin-token';

  constructor(private readonly storage: TokenStorage) {}

  /** Holds the token (trimmed: a pasted one often ends in a newline); false when it is empty. */
  signIn(token: string): boolean {
    const value = token.trim();
    if (!value) return false;
    this.storage.setItem(TOKEN_KEY, value);
    return true;
  }

  signedIn(): boolean {
    return !!this.storage.getItem(TOKEN_KEY);
  }

  async authorization(): Promise<string | undefined> {
    const token = this.storage.getItem(TOKEN_KEY);
    return token ? `Bearer ${token}` : undefined;
  }

  signOut(): void {
    this.storage.removeItem(TOKEN_KEY);
  }
}

/** A deployment with no browser sign-in: the console can only say so. */
export class NoBrowserSignIn implements AuthProvider {
  readonly kind = 'none';
  signedIn = () => false;
  authorization = async () => undefined;
  signOut = () => undefined;
}

/** The provider the deployment names (the page's `tracepool:sign-in` meta tag; Cognito's settings from its others). */
export function authProvider(
  kind: string | null | undefined,
  storage: TokenStorage,
  cognito?: { readonly settings: CognitoSettings; readonly browser: BrowserSide },
): AuthProvider {
  if (kind === 'admin-token') return new AdminTokenAuth(storage);
  if (kind === 'cognito' && cognito?.settings.domainUrl && cognito.settings.clientId) return new CognitoAuth(cognito.settings, storage, cognito.browser);
  return new NoBrowserSignIn();
}
