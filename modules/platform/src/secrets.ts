import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from './config';

export interface LocalSecrets {
  jwtSecret: string;
  paymentCallbackSecret: string;
  embeddedDbPassword: string;
}

/**
 * Secrets come from the environment; whatever is unset is generated once and kept in
 * `<DATA_DIR>/secrets.json` (mode 600), never hard-coded. Production (NODE_ENV=production) must set
 * them: a generated secret would differ between replicas.
 */
export function resolveSecrets(config: Config): LocalSecrets {
  const file = join(resolve(config.DATA_DIR), 'secrets.json');
  const needLocal = !config.JWT_SECRET || !config.PAYMENT_CALLBACK_SECRET || !config.DATABASE_URL;
  let stored: Partial<LocalSecrets> = {};
  if (needLocal) {
    if (config.NODE_ENV === 'production' && (!config.JWT_SECRET || !config.PAYMENT_CALLBACK_SECRET)) {
      throw new Error('JWT_SECRET and PAYMENT_CALLBACK_SECRET must be set when NODE_ENV=production');
    }
    if (existsSync(file)) stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<LocalSecrets>;
    const gen = () => randomBytes(32).toString('base64url');
    const merged: LocalSecrets = {
      jwtSecret: stored.jwtSecret ?? gen(),
      paymentCallbackSecret: stored.paymentCallbackSecret ?? gen(),
      embeddedDbPassword: stored.embeddedDbPassword ?? gen(),
    };
    if (JSON.stringify(merged) !== JSON.stringify(stored)) {
      mkdirSync(resolve(config.DATA_DIR), { recursive: true });
      writeFileSync(file, JSON.stringify(merged, null, 2), { mode: 0o600 });
    }
    stored = merged;
  }
  return {
    jwtSecret: config.JWT_SECRET ?? stored.jwtSecret!,
    paymentCallbackSecret: config.PAYMENT_CALLBACK_SECRET ?? stored.paymentCallbackSecret!,
    embeddedDbPassword: stored.embeddedDbPassword ?? '',
  };
}
