import { Counter } from 'prom-client';
import { metricsRegistry } from '@zjmall/platform';

/** Why identity refused a sign-in or sign-up without looking at the password. */
export type ThrottleReason = 'account' | 'hash_busy';

/**
 * Sign-ins and sign-ups identity refused for throttling: `account` (too many failed sign-ins for
 * the email: RATE_LIMITED) and `hash_busy` (the password-hash limiter was full: BUSY). The alert
 * "ZjmallLoginThrottlingSpike" and the dashboard read it.
 */
export const authThrottled = new Counter({
  name: 'zjmall_auth_throttled_total',
  help: 'Sign-ins (action=login) and sign-ups (action=register) refused for throttling: reason=account (too many failed sign-ins for the email) or hash_busy (password-hash limiter full)',
  labelNames: ['action', 'reason'] as const,
  registers: [metricsRegistry],
});

// Every series starts at 0 on /metrics, so the first refusal is an increase rate() can see.
for (const [action, reason] of [
  ['login', 'account'],
  ['login', 'hash_busy'],
  ['register', 'hash_busy'],
] as const)
  authThrottled.inc({ action, reason }, 0);
