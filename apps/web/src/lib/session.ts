import { useSyncExternalStore } from 'react';

/**
 * Who the shopper is, kept in localStorage so every tab of the shop shares it: a guest token (made
 * on the first visit, so a visitor can fill a cart before signing in) and, once signed in, a user
 * token, which wins. Other tabs hear changes through the `storage` event.
 */
const USER = 'zjmall.userToken';
const GUEST = 'zjmall.guestToken';
const listeners = new Set<() => void>();

function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}
function write(key: string, value: string | null) {
  if (value === null) localStorage.removeItem(key);
  else localStorage.setItem(key, value);
  emit();
}

let snapshot = { user: read(USER), guest: read(GUEST) };
function emit() {
  snapshot = { user: read(USER), guest: read(GUEST) };
  for (const l of listeners) l();
}
window.addEventListener('storage', (e) => {
  if (e.key === null || e.key === USER || e.key === GUEST) emit();
});

export const session = {
  /** The token every call carries: the user's, else the guest's. */
  token: (): string | null => snapshot.user ?? snapshot.guest,
  guestToken: (): string | null => snapshot.guest,
  signedIn: (): boolean => snapshot.user !== null,
  setUser: (token: string | null) => write(USER, token),
  setGuest: (token: string) => write(GUEST, token),
  subscribe(fn: () => void) {
    listeners.add(fn);
    return () => listeners.delete(fn);
  },
};

export interface SessionState {
  token: string | null;
  signedIn: boolean;
}

let state: SessionState = { token: null, signedIn: false };
function getState(): SessionState {
  const token = session.token();
  const signedIn = session.signedIn();
  if (state.token !== token || state.signedIn !== signedIn) state = { token, signedIn };
  return state;
}

export function useSession(): SessionState {
  return useSyncExternalStore(session.subscribe, getState);
}
