import { QueryTypes } from 'sequelize';
import type { User } from '@zjmall/contracts';
import { newId, type Db, type Logger } from '@zjmall/platform';
import type { PasswordHasher } from './password-hasher';
import { findUserByEmail, normalizeEmail, toUser } from './users';

/**
 * Makes sure `email` is an admin who signs in with `password` (ADMIN_EMAIL / ADMIN_PASSWORD at
 * startup). Creates the user, or promotes an existing one and sets the configured password, so
 * that whoever registered that email first does not keep their own password on an admin account.
 * Idempotent; safe when several processes start together (INSERT … ON CONFLICT, then a row lock).
 */
export async function ensureAdmin(
  deps: { db: Db; hasher: PasswordHasher; log: Logger },
  emailIn: string,
  password: string,
): Promise<User> {
  const { db, hasher, log } = deps;
  if (password.length < 8 || password.length > 128)
    throw new Error('ensureAdmin: the password must be 8–128 characters');
  const email = normalizeEmail(emailIn);
  const passwordHash = await hasher.hash(password);
  const inserted = await db.query<{ id: string }>(
    `INSERT INTO identity.users (id, email, password_hash, name, role)
     VALUES ($1, $2, $3, 'Administrator', 'admin')
     ON CONFLICT ((lower(email))) DO NOTHING
     RETURNING id`,
    { bind: [newId(), email, passwordHash], type: QueryTypes.SELECT },
  );
  if (inserted.length) {
    log.info({ email }, 'admin user created');
    return { id: inserted[0].id, email, name: 'Administrator', role: 'admin' };
  }
  return db.transaction(async (transaction) => {
    const user = await findUserByEmail(email, { transaction, forUpdate: true });
    if (!user) throw new Error(`ensureAdmin: ${email} conflicted but cannot be found`);
    const samePassword = await hasher.verify(password, user.passwordHash);
    if (user.role === 'admin' && samePassword) return toUser(user);
    if (user.role !== 'admin') log.warn({ email, userId: user.id }, 'existing user promoted to admin');
    if (!samePassword) log.info({ email }, 'admin password set from configuration');
    await user.update(
      { role: 'admin', ...(samePassword ? {} : { passwordHash }), updatedAt: db.fn('now') },
      { transaction },
    );
    return { ...toUser(user), role: 'admin' };
  });
}
