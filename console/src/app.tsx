/**
 * The console's shell: sign-in until the admin API accepts the operator, then the header with the
 * navigation and the current page. A refusal from the API at any time (a token revoked, a new
 * local stack with another token) brings sign-in back with the reason.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { createApiClient } from './api';
import type { AuthProvider } from './auth';
import { Console } from './context';
import { currentRoute, onNavigate, navigate } from './navigation';
import { currentNav, NAV, type Route } from './router';
import { Link, PageTitle } from './ui';
import { SignIn, NoBrowserSignInPage } from './pages/sign-in';
import { OverviewPage } from './pages/overview';
import { OffersPage } from './pages/offers';
import { OfferPageView } from './pages/offer';
import { TracesPage } from './pages/traces';
import { TracePage } from './pages/trace';
import { PoolPage } from './pages/pool';
import { AlertsPage } from './pages/alerts';
import { TrackierPage } from './pages/trackier';
import { AnalyticsPage } from './pages/analytics';

function PageFor(props: { route: Route }) {
  const { route } = props;
  switch (route.page) {
    case 'overview':
      return <OverviewPage />;
    case 'offers':
      return <OffersPage />;
    case 'offer':
      return <OfferPageView key={route.offerId} offerId={route.offerId} />;
    case 'traces':
      return <TracesPage filters={route.filters} />;
    case 'trace':
      return <TracePage key={route.traceId} traceId={route.traceId} />;
    case 'pool':
      return <PoolPage />;
    case 'alerts':
      return <AlertsPage />;
    case 'trackier':
      return <TrackierPage offerId={route.offerId} />;
    case 'analytics':
      return <AnalyticsPage campaignId={route.campaignId} />;
    case 'not-found':
      return <NotFound path={route.path} />;
  }
}

function NotFound(props: { path: string }) {
  return (
    <>
      <PageTitle title="Not found">Not found</PageTitle>
      <p>
        No console page at <code>{props.path}</code>. <Link to={{ page: 'overview' }}>Go to the overview</Link>.
      </p>
    </>
  );
}

function Shell(props: { route: Route; stage: string; onSignOut: () => void; children: ComponentChildren }) {
  const current = currentNav(props.route);
  return (
    <div class="shell">
      <a class="skip-link" href="#content">
        Skip to content
      </a>
      <header class="topbar">
        <Link to={{ page: 'overview' }} class="brand" aria-label="Tracepool console home">
          Tracepool
        </Link>
        {props.stage && <span class="stage">{props.stage}</span>}
        <nav aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li key={item.label}>
                <Link to={item.route} aria-current={item === current ? 'page' : undefined}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" class="secondary sign-out" onClick={props.onSignOut}>
          Sign out
        </button>
      </header>
      <main id="content">{props.children}</main>
    </div>
  );
}

export function App(props: { auth: AuthProvider; stage: string; notice?: string }) {
  const { auth, stage } = props;
  const [route, setRoute] = useState<Route>(currentRoute());
  const [signedIn, setSignedIn] = useState(auth.signedIn());
  const [notice, setNotice] = useState<string | undefined>(props.notice);
  useEffect(() => onNavigate(() => setRoute(currentRoute())), []);
  const api = useMemo(
    () =>
      createApiClient(auth, {
        onSignedOut: (reason) => {
          setNotice(reason);
          setSignedIn(false);
        },
      }),
    [auth],
  );
  const context = useMemo(() => ({ api, auth, stage }), [api, auth, stage]);

  if (auth.kind === 'none') return <NoBrowserSignInPage stage={stage} />;
  if (!signedIn) {
    return (
      <SignIn
        auth={auth}
        api={api}
        notice={notice}
        onSignedIn={() => {
          setNotice(undefined);
          setSignedIn(true);
          // A page named in the address bar before signing in is where the operator meant to go.
          if (route.page === 'not-found') navigate('/console', { replace: true });
        }}
      />
    );
  }
  const signOut = () => {
    auth.signOut();
    setNotice('Signed out.');
    setSignedIn(false);
  };
  return (
    <Console.Provider value={context}>
      <Shell route={route} stage={stage} onSignOut={signOut}>
        <PageFor route={route} />
      </Shell>
    </Console.Provider>
  );
}
