// The console's entry point: how this deployment signs in (from the page's meta tags), then the app.
import { render } from 'preact';
import { App } from './app';
import { authProvider } from './auth';

const meta = (name: string) => document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? '';

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App auth={authProvider(meta('tracepool:sign-in'), sessionStorage)} stage={meta('tracepool:stage')} />, root);
}
