import type { Address, AddressCreateInput, AddressUpdateInput, AuthOutput, GuestOutput, LoginInput, MeOutput, RegisterInput, User } from '@zjmall/contracts';
import type { Auth, Authenticate, Config, Db, Logger } from '@zjmall/platform';
import { createAddressService } from './address.service';
import { createAuthService, type OnLoginHook } from './auth.service';
import { ensureAdmin } from './ensure-admin';
import { createLoginThrottle } from './login-throttle';
import { identityModels } from './models';
import { createPasswordHasher } from './password-hasher';
import { createTokenService } from './tokens';

export type { OnLoginHook } from './auth.service';

export interface IdentityServiceDeps {
  /** A Db that has `identityModels` added (`db.addModels(identityModels)`). */
  db: Db;
  config: Pick<Config, 'JWT_TTL_SECONDS' | 'PASSWORD_HASH_COST' | 'NODE_ENV'>;
  jwtSecret: string;
  log: Logger;
}

export interface IdentityService {
  register(input: RegisterInput): Promise<AuthOutput>;
  login(input: LoginInput): Promise<AuthOutput>;
  guest(): Promise<GuestOutput>;
  me(caller: Auth): Promise<MeOutput>;
  /** For `createContextFactory({ authenticate })`: verified tokens are cached in memory until exp. */
  authenticate: Authenticate;
  /** Creates or promotes the configured admin (idempotent, safe across processes). */
  ensureAdmin(email: string, password: string): Promise<User>;
  /** modules/api wires the cart merge here; identity never imports cart. `null` unsets it. */
  setOnLogin(fn: OnLoginHook | null): void;
  listAddresses(userId: string): Promise<Address[]>;
  createAddress(userId: string, input: AddressCreateInput): Promise<Address>;
  updateAddress(userId: string, input: AddressUpdateInput): Promise<Address>;
  deleteAddress(userId: string, id: string): Promise<{ id: string; deleted: true }>;
  /** Deletes login-throttle rows whose window has passed; for a periodic sweeper. */
  sweepLoginThrottle(): Promise<number>;
}

export function createIdentityService({ db, config, jwtSecret, log }: IdentityServiceDeps): IdentityService {
  // The services use the model classes, which must be bound to this Db.
  if (identityModels.some((m) => m.sequelize !== db)) {
    throw new Error('createIdentityService: call db.addModels(identityModels) on this Db first');
  }
  if (config.NODE_ENV === 'production' && config.PASSWORD_HASH_COST < 14) {
    throw new Error('PASSWORD_HASH_COST must be at least 14 in production');
  }
  const hasher = createPasswordHasher(config.PASSWORD_HASH_COST);
  const tokens = createTokenService({ secret: jwtSecret, userTtlSeconds: config.JWT_TTL_SECONDS });
  const throttle = createLoginThrottle(db);
  let onLogin: OnLoginHook | null = null;
  const auth = createAuthService({ hasher, tokens, throttle, log, onLogin: () => onLogin });
  const addresses = createAddressService({ db });

  return {
    register: auth.register,
    login: auth.login,
    guest: auth.guest,
    me: auth.me,
    authenticate: tokens.authenticate,
    ensureAdmin: (email, password) => ensureAdmin({ db, hasher, log }, email, password),
    setOnLogin(fn) {
      onLogin = fn;
    },
    listAddresses: addresses.list,
    createAddress: addresses.create,
    updateAddress: addresses.update,
    deleteAddress: addresses.delete,
    sweepLoginThrottle: throttle.sweep,
  };
}
