import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { App } from './app';
import { I18nProvider } from './lib/i18n';
import { appCodeOf } from './lib/errors';
import { ensureGuest } from './lib/client';
import { session } from './lib/session';
import './styles.css';

/** A token the server no longer accepts (expired, revoked): sign out, or start a new guest. */
function onApiError(e: unknown) {
  if (appCodeOf(e) !== 'UNAUTHENTICATED') return;
  if (session.signedIn()) session.setUser(null);
  else void ensureGuestAfterReset();
}
async function ensureGuestAfterReset() {
  localStorage.removeItem('zjmall.guestToken');
  await ensureGuest();
}

const queryClient = new QueryClient({
  queryCache: new QueryCache({ onError: onApiError }),
  mutationCache: new MutationCache({ onError: onApiError }),
  defaultOptions: {
    queries: {
      staleTime: 30_000,
      refetchOnWindowFocus: false,
      // A 4xx answer will not change by asking again.
      retry: (n, e) => n < 2 && !appCodeOf(e) && !(e instanceof Error && /NOT_FOUND|BAD_REQUEST/.test(e.message)),
    },
  },
});

void ensureGuest();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <I18nProvider>
        <App />
      </I18nProvider>
    </QueryClientProvider>
  </StrictMode>,
);
