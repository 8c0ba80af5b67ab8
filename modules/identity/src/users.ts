import { Op, fn, col, where, type Transaction } from 'sequelize';
import type { User } from '@zjmall/contracts';
import { UserModel } from './models';

/** Trimmed and lowercased: how emails are stored and compared (README, "Email"). */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

/** Case-insensitive lookup, served by the unique index on lower(email). */
export function findUserByEmail(
  email: string,
  opts: { transaction?: Transaction; forUpdate?: boolean } = {},
): Promise<UserModel | null> {
  return UserModel.findOne({
    where: where(fn('lower', col('email')), Op.eq, fn('lower', normalizeEmail(email))),
    transaction: opts.transaction,
    ...(opts.forUpdate && opts.transaction ? { lock: opts.transaction.LOCK.UPDATE } : {}),
  });
}

export function toUser(u: UserModel): User {
  return { id: u.id, email: u.email, name: u.name, role: u.role };
}
