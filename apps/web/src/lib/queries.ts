import { useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import type { CartView } from '@zjmall/contracts';
import { client } from './client';
import { useSession } from './session';

/**
 * Query keys. What belongs to the shopper is keyed by their token, so signing in or out never
 * shows one person's cart or orders to another; the catalog is the same for everyone.
 */
export const keys = {
  me: (token: string | null) => ['me', token] as const,
  cart: (token: string | null) => ['cart', token] as const,
  addresses: (token: string | null) => ['addresses', token] as const,
  orders: (token: string | null, status: string) => ['orders', token, status] as const,
  order: (token: string | null, id: string) => ['order', token, id] as const,
  product: (id: string) => ['product', id] as const,
  products: (filter: object) => ['products', filter] as const,
  categories: ['categories'] as const,
  brands: ['brands'] as const,
  channels: ['payment-channels'] as const,
  unread: (token: string | null) => ['notifications-unread', token] as const,
  notificationsOf: (token: string | null) => ['notifications', token] as const,
  notifications: (token: string | null, locale: string, unreadOnly: boolean) =>
    ['notifications', token, locale, unreadOnly] as const,
};

export function useMe() {
  const { token } = useSession();
  return useQuery({
    queryKey: keys.me(token),
    queryFn: () => client.auth.me.query(),
    enabled: token !== null,
    staleTime: 60_000,
  });
}

export function useCart() {
  const { token } = useSession();
  return useQuery({ queryKey: keys.cart(token), queryFn: () => client.cart.get.query(), enabled: token !== null });
}

/** The store's currency: every cart is in it (an empty one too). */
export function useCurrency(): string | undefined {
  return useCart().data?.currency;
}

/** Every cart mutation answers the cart: put it in the cache instead of asking again. */
export function useSetCart() {
  const qc = useQueryClient();
  const { token } = useSession();
  return (cart: CartView) => qc.setQueryData(keys.cart(token), cart);
}

/** After signing in or out: drop everything that belonged to the previous shopper. */
export function forgetShopper(qc: QueryClient) {
  for (const k of ['me', 'cart', 'addresses', 'orders', 'order', 'notifications', 'notifications-unread'])
    qc.removeQueries({ queryKey: [k] });
}
