// Sign-in: the local stack's admin token, checked against the admin API before the console opens;
// in AWS, a button to the operators' Cognito sign-in page.
import { useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { AdminTokenAuth, type AuthProvider } from '../auth';
import { CognitoAuth } from '../cognito-auth';
import { SignedOutError, type ApiClient } from '../api';
import { ErrorNote, PageTitle } from '../ui';

export function SignIn(props: { auth: AuthProvider; api: ApiClient; notice?: string; onSignedIn: () => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const auth = props.auth;
  if (auth instanceof CognitoAuth) return <CognitoSignIn auth={auth} notice={props.notice} />;
  if (!(auth instanceof AdminTokenAuth)) return null;

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    if (!auth.signIn(token)) return setError('Enter the admin token.');
    setBusy(true);
    try {
      // Any admin call proves the token; the offer list's first entry is a cheap one.
      await props.api.call('/admin/offers', { query: { limit: 1 } });
      props.onSignedIn();
    } catch (caught) {
      auth.signOut();
      setError(caught instanceof SignedOutError ? 'That admin token was not accepted.' : `The admin API could not be reached: ${(caught as Error).message}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <SignInCard error={error} notice={props.notice}>
      <p>
        Use the admin token the local stack printed when it started (<code>npm start</code>; <code>local</code> unless <code>TRACEPOOL_ADMIN_TOKEN</code> says otherwise).
      </p>
      <form onSubmit={submit} noValidate>
        <div class="field">
          <label for="admin-token">Admin token</label>
          <input id="admin-token" name="admin-token" type="password" autoComplete="off" required value={token} onInput={(e) => setToken(e.currentTarget.value)} />
        </div>
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </SignInCard>
  );
}

export function NoBrowserSignInPage(props: { stage: string }) {
  return (
    <main class="sign-in" id="content">
      <div class="card">
        <PageTitle title="Sign in">Tracepool console</PageTitle>
        <p>
          This deployment{props.stage ? ` (${props.stage})` : ''} has no browser sign-in yet: its admin API takes IAM-signed requests only. Use the CLI (
          <code>npx tracepool health</code>), which signs with your AWS credentials.
        </p>
      </div>
    </main>
  );
}

function CognitoSignIn(props: { auth: CognitoAuth; notice?: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const begin = () => {
    setBusy(true);
    props.auth.beginSignIn().catch((caught: unknown) => {
      setBusy(false);
      setError(`Sign-in could not start: ${(caught as Error).message}`);
    });
  };
  return (
    <SignInCard error={error} notice={props.notice}>
      <p>Operators sign in with their Tracepool account (e-mail, password and authenticator code) on the sign-in page this deployment runs.</p>
      <button type="button" onClick={begin} disabled={busy}>
        {busy ? 'Opening sign-in…' : 'Sign in'}
      </button>
    </SignInCard>
  );
}

/** The sign-in page around either way of signing in: its title, then the error, else the notice. */
function SignInCard(props: { error?: string; notice?: string; children: ComponentChildren }) {
  return (
    <main class="sign-in" id="content">
      <div class="card">
        <PageTitle title="Sign in">Sign in to Tracepool</PageTitle>
        {props.children}
        {props.error && <ErrorNote error={props.error} />}
        {!props.error && props.notice && (
          <p class="note" role="status">
            {props.notice}
          </p>
        )}
      </div>
    </main>
  );
}
