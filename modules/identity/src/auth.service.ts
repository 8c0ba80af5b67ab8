import { UniqueConstraintError, fn } from 'sequelize';
import type {
  AuthOutput,
  GuestOutput,
  LoginInput,
  MeOutput,
  MergeMode,
  MergeReport,
  RegisterInput,
} from '@zjmall/contracts';
import { DomainError, newId, type Auth, type Logger } from '@zjmall/platform';
import { UserModel } from './models';
import { authThrottled } from './auth.metrics';
import type { LoginThrottle } from './login-throttle';
import type { PasswordHasher } from './password-hasher';
import type { TokenService } from './tokens';
import { findUserByEmail, normalizeEmail, toUser } from './users';

/** Called after a successful login/registration that carried a valid guest token (cart merge). */
export type OnLoginHook = (userId: string, guestId: string) => Promise<MergeReport | undefined>;

export interface AuthDeps {
  hasher: PasswordHasher;
  tokens: TokenService;
  throttle: LoginThrottle;
  log: Logger;
  onLogin: () => OnLoginHook | null;
}

// One message for an unknown email and a wrong password: the answer must not tell them apart.
const badCredentials = () => new DomainError('INVALID_CREDENTIALS', 'Wrong email or password');

/** Counts a sign-in or sign-up the password-hash limiter refused (BUSY), and rethrows what it catches. */
const countBusy =
  (action: 'login' | 'register') =>
  (e: unknown): never => {
    if (e instanceof DomainError && e.appCode === 'BUSY') authThrottled.inc({ action, reason: 'hash_busy' });
    throw e;
  };

export function createAuthService(deps: AuthDeps) {
  const { hasher, tokens, throttle, log } = deps;

  /**
   * Runs the onLogin hook for a guest token. A token that is not a valid guest token (malformed,
   * expired, foreign, a user token) is ignored: the sign-in itself succeeded and must not fail
   * because of a stale cart token. A failing hook is logged and the login answered without `merge`;
   * the guest cart is left as it was, so a later login with the same guest token can still merge it.
   */
  async function mergeGuest(userId: string, guestToken: string | undefined): Promise<MergeReport | undefined> {
    if (!guestToken) return undefined;
    const r = await tokens.verify(guestToken);
    if (!r.ok || r.auth.kind !== 'guest') {
      log.info({ userId, reason: r.ok ? 'not a guest token' : r.reason }, 'login: guest token ignored');
      return undefined;
    }
    const hook = deps.onLogin();
    if (!hook) return undefined;
    try {
      return (await hook(userId, r.auth.guestId)) ?? undefined;
    } catch (err) {
      log.error({ err, userId, guestId: r.auth.guestId }, 'login: onLogin hook failed; signed in without merge');
      return undefined;
    }
  }

  async function answer(user: UserModel, input: { guestToken?: string; merge?: MergeMode }): Promise<AuthOutput> {
    const token = await tokens.signUser(user.id, user.role, user.tokenVersion);
    // merge: 'none' leaves the guest cart as it is (the guest token keeps it).
    const merge = input.merge === 'none' ? undefined : await mergeGuest(user.id, input.guestToken);
    return merge ? { user: toUser(user), token, merge } : { user: toUser(user), token };
  }

  async function register(input: RegisterInput): Promise<AuthOutput> {
    const email = normalizeEmail(input.email);
    // Cheap early answer for the common case; the unique index decides races.
    if (await findUserByEmail(email)) throw new DomainError('EMAIL_TAKEN', 'This email is already registered');
    const passwordHash = await hasher.hash(input.password);
    let user: UserModel;
    try {
      user = await UserModel.create({ id: newId(), email, passwordHash, name: input.name.trim(), role: 'customer' });
    } catch (e) {
      if (e instanceof UniqueConstraintError) throw new DomainError('EMAIL_TAKEN', 'This email is already registered');
      throw e;
    }
    return answer(user, input);
  }

  async function login(input: LoginInput): Promise<AuthOutput> {
    const email = normalizeEmail(input.email);
    const admission = await throttle.admit(email);
    if (!admission.admitted) {
      authThrottled.inc({ action: 'login', reason: 'account' });
      throw new DomainError('RATE_LIMITED', 'Too many failed sign-ins for this account; try again later', {
        retryAfterSeconds: admission.retryAfterSeconds,
      });
    }
    const user = await findUserByEmail(email);
    if (!user) {
      await hasher.burn(input.password);
      throw badCredentials();
    }
    if (!(await hasher.verify(input.password, user.passwordHash))) throw badCredentials();
    await throttle.reset(email);
    // Said only to whoever knows the password: the account exists and an admin disabled it.
    if (user.disabledAt) throw new DomainError('ACCOUNT_DISABLED', 'This account is disabled');
    if (hasher.needsRehash(user.passwordHash)) {
      // Raises old hashes to the configured cost; only a successful login knows the password.
      const passwordHash = await hasher.hash(input.password);
      await UserModel.update({ passwordHash, updatedAt: fn('now') }, { where: { id: user.id } });
    }
    return answer(user, input);
  }

  return {
    register(input: RegisterInput): Promise<AuthOutput> {
      return register(input).catch(countBusy('register'));
    },

    login(input: LoginInput): Promise<AuthOutput> {
      return login(input).catch(countBusy('login'));
    },

    /** The guest id of a valid guest token (null for anything else): cart.mergePreview names the guest cart by it. */
    async guestIdOf(token: string): Promise<string | null> {
      const r = await tokens.verify(token);
      return r.ok && r.auth.kind === 'guest' ? r.auth.guestId : null;
    },

    async guest(): Promise<GuestOutput> {
      const guestId = newId();
      return { token: await tokens.signGuest(guestId), guestId };
    },

    async me(caller: Auth): Promise<MeOutput> {
      if (caller.kind === 'guest') return { guestId: caller.guestId, role: 'guest' };
      const user = await UserModel.findByPk(caller.userId);
      if (!user) throw new DomainError('UNAUTHENTICATED', 'This account no longer exists');
      return toUser(user);
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
