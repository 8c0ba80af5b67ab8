import { QueryTypes } from 'sequelize';
import type { AdminUser, SetDisabledInput, SetRoleInput } from '@zjmall/contracts';
import { DomainError, memoKeys, type AuthResult, type Cache, type Db, type Logger } from '@zjmall/platform';
import type { UserRole } from './models';
import type { TokenService } from './tokens';

/**
 * How long any process may act on a user's access (role, disabled, token version) read earlier.
 * Changes made through identity drop it everywhere at once; this bounds a change made directly in
 * the database (issue 15: within 30 s).
 */
export const USER_ACCESS_TTL_SECONDS = 10;

/** What every authenticated call checks about its user: one cached lookup. */
export interface UserAccess {
  role: UserRole;
  disabled: boolean;
  tokenVersion: number;
}

export interface AccessDeps {
  db: Db;
  cache: Cache;
  tokens: TokenService;
  log: Logger;
  ttlSeconds?: number;
}

interface AccessRow {
  id: string;
  email: string;
  name: string;
  role: UserRole;
  disabled: boolean;
  token_version: number;
}

/**
 * Revocation. A user token is good while its `ver` equals the user's token_version and the account
 * is not disabled; its role is the user's role now, not the one it was signed with. The three come
 * from the shared cache (in-process copy, Redis; `cache.del` tells every process to drop its copy),
 * so a hit costs no database round trip.
 */
export function createAccessService({ db, cache, tokens, log, ttlSeconds = USER_ACCESS_TTL_SECONDS }: AccessDeps) {
  const keyOf = memoKeys('identity:access:');
  // One database read per user at a time in this process; a drop in between makes its result unfit to keep.
  const loading = new Map<string, Promise<UserAccess | null>>();
  let drops = 0;

  async function load(userId: string): Promise<UserAccess | null> {
    const seen = drops;
    const [row] = await db.query<AccessRow>(
      `SELECT role, disabled_at IS NOT NULL AS disabled, token_version FROM identity.users WHERE id = $1`,
      { bind: [userId], type: QueryTypes.SELECT },
    );
    const access: UserAccess | null = row
      ? { role: row.role, disabled: row.disabled, tokenVersion: row.token_version }
      : null;
    if (seen === drops) {
      await cache.fill([{ key: keyOf(userId), value: access, ttlSeconds }]).catch((err: unknown) => {
        log.warn({ err, userId }, 'user access not cached; it is read again on the next call');
      });
    }
    return access;
  }

  async function current(userId: string): Promise<UserAccess | null> {
    const hit = await cache.get<UserAccess | null>(keyOf(userId));
    if (hit !== undefined) return hit;
    let p = loading.get(userId);
    if (!p) {
      p = load(userId).finally(() => loading.delete(userId));
      loading.set(userId, p);
    }
    return p;
  }

  /**
   * After a committed change: every process drops its copy and reads the row again. The change is
   * committed whatever happens here, so a failure is logged, not thrown: copies then lapse within
   * the TTL, as after a change made directly in the database.
   */
  async function drop(userId: string): Promise<void> {
    drops++;
    loading.delete(userId);
    await cache.del(keyOf(userId)).catch((err: unknown) => {
      log.error(
        { err, userId },
        `user access changed but not dropped from the cache; it holds everywhere within ${ttlSeconds} s`,
      );
    });
  }

  /** Changes a user's role or disabled flag; never leaves the shop without an active admin. */
  async function change(
    actorId: string,
    userId: string,
    to: { role?: UserRole; disabled?: boolean },
  ): Promise<AdminUser> {
    const row = await db.transaction(async (transaction) => {
      // The active admins are locked first (in id order), so two changes that would each leave one
      // admin are decided one after the other.
      const admins = await db.query<{ id: string }>(
        `SELECT id FROM identity.users WHERE role = 'admin' AND disabled_at IS NULL ORDER BY id FOR UPDATE`,
        { transaction, type: QueryTypes.SELECT },
      );
      const [user] = await db.query<AccessRow>(
        `SELECT id, role, disabled_at IS NOT NULL AS disabled FROM identity.users WHERE id = $1 FOR UPDATE`,
        { bind: [userId], transaction, type: QueryTypes.SELECT },
      );
      if (!user) throw new DomainError('USER_NOT_FOUND', 'User not found', { userId });
      const role = to.role ?? user.role;
      const disabled = to.disabled ?? user.disabled;
      const wasActiveAdmin = user.role === 'admin' && !user.disabled;
      if (wasActiveAdmin && !(role === 'admin' && !disabled) && admins.length <= 1) {
        throw new DomainError('LAST_ADMIN', 'The last active admin cannot be demoted or disabled', { userId });
      }
      // Disabling also bumps the token version: re-enabling does not bring old tokens back.
      const [updated] = await db.query<AccessRow>(
        `UPDATE identity.users
            SET role = $2,
                token_version = token_version + CASE WHEN $3::boolean AND disabled_at IS NULL THEN 1 ELSE 0 END,
                disabled_at = CASE WHEN $3::boolean THEN coalesce(disabled_at, now()) END,
                updated_at = now()
          WHERE id = $1
          RETURNING id, email, name, role, disabled_at IS NOT NULL AS disabled`,
        { bind: [userId, role, disabled], transaction, type: QueryTypes.SELECT },
      );
      return updated;
    });
    await drop(userId);
    log.warn({ actorId, userId, role: row.role, disabled: row.disabled }, 'user access changed');
    return { id: row.id, email: row.email, name: row.name, role: row.role, disabled: row.disabled };
  }

  return {
    current,
    drop,

    /** The platform's `Authenticate`: the token (cached verification), then the user's access now. */
    async authenticate(token: string): Promise<AuthResult> {
      const r = await tokens.authenticate(token);
      if (!r.ok) return r;
      if (r.auth.kind === 'guest') return { ok: true, auth: r.auth };
      const access = await current(r.auth.userId);
      if (!access) return { ok: false, reason: 'invalid' };
      if (access.disabled) return { ok: false, reason: 'disabled' };
      if (access.tokenVersion !== r.ver) return { ok: false, reason: 'revoked' };
      return { ok: true, auth: access.role === r.auth.role ? r.auth : { ...r.auth, role: access.role } };
    },

    setRole: (actorId: string, input: SetRoleInput) => change(actorId, input.userId, { role: input.role }),
    setDisabled: (actorId: string, input: SetDisabledInput) =>
      change(actorId, input.userId, { disabled: input.disabled }),

    /** Every token of this user stops working, in every process (the one in hand too). */
    async signOutEverywhere(userId: string): Promise<{ signedOut: true }> {
      await db.query(`UPDATE identity.users SET token_version = token_version + 1, updated_at = now() WHERE id = $1`, {
        bind: [userId],
      });
      await drop(userId);
      return { signedOut: true };
    },
  };
}

export type AccessService = ReturnType<typeof createAccessService>;
