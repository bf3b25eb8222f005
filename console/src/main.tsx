// The console's entry point: how this deployment signs in (from the page's meta tags), the end of
// a Cognito sign-in when the hosted page sent the operator back here, then the app.
import { render } from 'preact';
import { App } from './app';
import { authProvider } from './auth';
import { CognitoAuth } from './cognito-auth';

const meta = (name: string) => document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? '';

async function start(root: HTMLElement): Promise<void> {
  const auth = authProvider(meta('tracepool:sign-in'), sessionStorage, {
    settings: { domainUrl: meta('tracepool:cognito-domain'), clientId: meta('tracepool:cognito-client-id'), redirectUri: `${location.origin}/console` },
    browser: { fetch: (input, init) => fetch(input, init), crypto, navigate: (url) => location.assign(url), now: Date.now },
  });
  let notice: string | undefined;
  if (auth instanceof CognitoAuth) {
    try {
      if (await auth.completeSignIn(location.search)) history.replaceState(null, '', '/console');
    } catch (error) {
      notice = (error as Error).message;
      history.replaceState(null, '', '/console');
    }
  }
  root.textContent = '';
  render(<App auth={auth} stage={meta('tracepool:stage')} notice={notice} />, root);
}

const root = document.getElementById('app');
if (root) void start(root);
