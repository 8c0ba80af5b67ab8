import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink, type TRPCLink } from '@trpc/client';
import { EventSource } from 'eventsource';
import type { AppRouter } from '@zjmall/api';

export type { AppRouter };

export interface ShopClientOptions {
  /** A user or guest token, or a function returning the current one (read on every request). */
  token?: string | null | (() => string | null | undefined);
  /** Extra headers on every HTTP call. */
  headers?: Record<string, string>;
  /** Max calls per batched request (default 20). */
  maxItems?: number;
  fetch?: typeof fetch;
  /**
   * The EventSource for subscriptions. Default: the `eventsource` package (Node 20 has none; it
   * also sends the Authorization header). A browser passes its own `globalThis.EventSource`, which
   * cannot send headers: the token then travels only in `connectionParams`.
   */
  EventSource?: typeof EventSource;
}

/**
 * The shared, typed client of the zjmall BFF: queries and mutations over `httpBatchLink`
 * (batched when issued together), subscriptions over SSE with the `eventsource` package (Node 20
 * has no EventSource; it also lets us send the Authorization header, and the token goes in
 * `connectionParams` too for servers behind proxies that strip headers).
 */
export function createShopClient(baseUrl: string, opts: ShopClientOptions = {}) {
  const url = `${baseUrl.replace(/\/$/, '')}/trpc`;
  const token = () => (typeof opts.token === 'function' ? opts.token() : opts.token) ?? null;
  const headers = () => {
    const t = token();
    return { ...opts.headers, ...(t ? { authorization: `Bearer ${t}` } : {}) };
  };
  const links: TRPCLink<AppRouter>[] = [
    splitLink({
      condition: (op) => op.type === 'subscription',
      true: httpSubscriptionLink({
        url,
        EventSource: opts.EventSource ?? EventSource,
        connectionParams: () => {
          const t = token();
          return t ? { token: t } : {};
        },
        eventSourceOptions: () => ({
          fetch: (input, init) =>
            (opts.fetch ?? fetch)(input, {
              ...init,
              headers: { ...(init?.headers as Record<string, string>), ...headers() },
            }),
        }),
      }),
      false: httpBatchLink({ url, headers, maxItems: opts.maxItems ?? 20, fetch: opts.fetch }),
    }),
  ];
  return createTRPCClient<AppRouter>({ links });
}

export type ShopClient = ReturnType<typeof createShopClient>;
