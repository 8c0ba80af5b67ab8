import { createShopClient } from '@zjmall/client';
import { session } from './session';

/**
 * The one typed client of the whole web app: queries and mutations batched over HTTP, subscriptions
 * over the browser's own EventSource (the token travels in tRPC's connectionParams).
 */
export const client = createShopClient(window.location.origin, {
  token: () => session.token(),
  EventSource: globalThis.EventSource as unknown as NonNullable<Parameters<typeof createShopClient>[1]>['EventSource'],
});

export type Client = typeof client;

let guestPromise: Promise<void> | null = null;
/** A first-time visitor gets a guest token before anything that needs one. */
export function ensureGuest(): Promise<void> {
  if (session.token()) return Promise.resolve();
  guestPromise ??= client.auth.guest
    .mutate({})
    .then((g) => session.setGuest(g.token))
    .finally(() => {
      guestPromise = null;
    });
  return guestPromise;
}

/** A key for one attempt of a mutation that must not happen twice (checkout, pay). */
export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}
