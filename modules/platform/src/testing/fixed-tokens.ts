import type { Authenticate } from '../trpc/context';

/** The admin and the customer of the module harnesses' fixed tokens. */
export const TEST_ADMIN_ID = '00000000-0000-7000-8000-00000000ad01';
export const TEST_CUSTOMER_ID = '00000000-0000-7000-8000-00000000c001';

/**
 * An `Authenticate` for module harnesses that need callers with a role but no identity module:
 * the bearer token `admin` is TEST_ADMIN_ID as an admin, `customer` is TEST_CUSTOMER_ID as a
 * customer; anything else is invalid.
 */
export const fixedTokenAuth: Authenticate = async (token) => {
  if (token === 'admin') return { ok: true, auth: { kind: 'user', userId: TEST_ADMIN_ID, role: 'admin' } };
  if (token === 'customer') return { ok: true, auth: { kind: 'user', userId: TEST_CUSTOMER_ID, role: 'customer' } };
  return { ok: false, reason: 'invalid' };
};
