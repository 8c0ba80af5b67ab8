import type {
  Address,
  AddressCreateInput,
  AddressUpdateInput,
  AdminUser,
  AuthOutput,
  GuestOutput,
  LoginInput,
  MeOutput,
  RegisterInput,
  SetDisabledInput,
  SetRoleInput,
  User,
} from '@zjmall/contracts';
import type { Auth, Authenticate, Cache, Config, Db, Logger } from '@zjmall/platform';
import { createAccessService } from './access.service';
import { createAddressService } from './address.service';
import { createAuthService, type OnLoginHook } from './auth.service';
import { ensureAdmin } from './ensure-admin';
import { createLoginThrottle } from './login-throttle';
import { identityModels } from './models';
import { createPasswordHasher, type HashLimits, type HashLimiterStats } from './password-hasher';
import { createTokenService } from './tokens';

export type { OnLoginHook } from './auth.service';

export interface IdentityServiceDeps {
  /** A Db that has `identityModels` added (`db.addModels(identityModels)`). */
  db: Db;
  config: Pick<Config, 'JWT_TTL_SECONDS' | 'JWT_SECRET_PREVIOUS' | 'PASSWORD_HASH_COST' | 'NODE_ENV'>;
  jwtSecret: string;
  log: Logger;
  /** The platform's shared cache: every process reads users' access (role, disabled, token version) from it. */
  cache: Cache;
  /** How long a process may act on access read earlier (default `USER_ACCESS_TTL_SECONDS`, 10 s). */
  accessTtlSeconds?: number;
  /** Password hashes (hash, verify, burn) at once and waiting (default 2 and 32); beyond, `BUSY`. */
  passwordHashing?: HashLimits;
}

export interface IdentityService {
  register(input: RegisterInput): Promise<AuthOutput>;
  login(input: LoginInput): Promise<AuthOutput>;
  guest(): Promise<GuestOutput>;
  /** The guest id of a valid guest token, else null (cart.mergePreview). */
  guestIdOf(token: string): Promise<string | null>;
  me(caller: Auth): Promise<MeOutput>;
  /**
   * For `createContextFactory({ authenticate })`: verified tokens are cached in memory until exp; a
   * user token also needs its user's current access (cached, shared, dropped on every change).
   */
  authenticate: Authenticate;
  /** The caller's tokens stop working in every process. */
  signOutEverywhere(userId: string): Promise<{ signedOut: true }>;
  /** `identity.admin.*`; the last active admin cannot be demoted or disabled (LAST_ADMIN). */
  setRole(actorId: string, input: SetRoleInput): Promise<AdminUser>;
  setDisabled(actorId: string, input: SetDisabledInput): Promise<AdminUser>;
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
  /** The password-hash limiter's counters (running, waiting, most at once, refused with BUSY). */
  passwordHashStats(): HashLimiterStats;
}

export function createIdentityService({
  db,
  config,
  jwtSecret,
  log,
  cache,
  accessTtlSeconds,
  passwordHashing,
}: IdentityServiceDeps): IdentityService {
  // The services use the model classes, which must be bound to this Db.
  if (identityModels.some((m) => m.sequelize !== db)) {
    throw new Error('createIdentityService: call db.addModels(identityModels) on this Db first');
  }
  if (config.NODE_ENV === 'production' && config.PASSWORD_HASH_COST < 14) {
    throw new Error('PASSWORD_HASH_COST must be at least 14 in production');
  }
  const hasher = createPasswordHasher(config.PASSWORD_HASH_COST, passwordHashing);
  const tokens = createTokenService({
    secret: jwtSecret,
    previousSecret: config.JWT_SECRET_PREVIOUS,
    userTtlSeconds: config.JWT_TTL_SECONDS,
  });
  const throttle = createLoginThrottle(db);
  let onLogin: OnLoginHook | null = null;
  const auth = createAuthService({ hasher, tokens, throttle, log, onLogin: () => onLogin });
  const addresses = createAddressService({ db });
  const access = createAccessService({ db, cache, tokens, log, ttlSeconds: accessTtlSeconds });

  return {
    register: auth.register,
    login: auth.login,
    guest: auth.guest,
    guestIdOf: auth.guestIdOf,
    me: auth.me,
    authenticate: access.authenticate,
    signOutEverywhere: access.signOutEverywhere,
    setRole: access.setRole,
    setDisabled: access.setDisabled,
    async ensureAdmin(email, password) {
      const user = await ensureAdmin({ db, hasher, log }, email, password);
      await access.drop(user.id); // a promotion shows at once, in every process
      return user;
    },
    setOnLogin(fn) {
      onLogin = fn;
    },
    listAddresses: addresses.list,
    createAddress: addresses.create,
    updateAddress: addresses.update,
    deleteAddress: addresses.delete,
    sweepLoginThrottle: throttle.sweep,
    passwordHashStats: hasher.stats,
  };
}
