import { QueryTypes, fn, type Transaction } from 'sequelize';
import type { Address, AddressCreateInput, AddressUpdateInput } from '@zjmall/contracts';
import { DomainError, newId, type Db } from '@zjmall/platform';
import { AddressModel } from './models';

const notFound = () => new DomainError('ADDRESS_NOT_FOUND', 'Address not found');

interface AddressRow {
  id: string;
  receiver: string;
  phone: string;
  province: string;
  city: string;
  district: string;
  detail: string;
  is_default: boolean;
  created_at: Date;
  updated_at: Date;
}

export function toAddress(a: AddressModel): Address {
  return {
    id: a.id,
    receiver: a.receiver,
    phone: a.phone,
    province: a.province,
    city: a.city,
    district: a.district,
    detail: a.detail,
    isDefault: a.isDefault,
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
  };
}

/**
 * Every address use case of one user runs in a transaction holding that user's row lock, so that
 * "first address becomes default" and "one default" hold under concurrent requests. (FOR NO KEY
 * UPDATE: it does not conflict with the FOR KEY SHARE lock an address insert takes on its user.)
 */
async function lockUser(db: Db, userId: string, transaction: Transaction) {
  const rows = await db.query(`SELECT 1 FROM identity.users WHERE id = $1 FOR NO KEY UPDATE`, {
    bind: [userId],
    type: QueryTypes.SELECT,
    transaction,
  });
  if (!rows.length) throw new DomainError('UNAUTHENTICATED', 'This account no longer exists');
}

async function clearDefault(userId: string, transaction: Transaction) {
  await AddressModel.update(
    { isDefault: false, updatedAt: fn('now') },
    { where: { userId, isDefault: true }, transaction },
  );
}

/** Owned strictly per user: another user's address id is answered exactly like a missing one. */
export function createAddressService({ db }: { db: Db }) {
  return {
    /** Raw SQL (checkout reads it on every order: docs/architecture.md, Performance). */
    async list(userId: string): Promise<Address[]> {
      const rows = await db.query<AddressRow>(
        `SELECT id, receiver, phone, province, city, district, detail, is_default, created_at, updated_at
           FROM identity.addresses WHERE user_id = $1 ORDER BY is_default DESC, created_at DESC, id DESC`,
        { bind: [userId], type: QueryTypes.SELECT },
      );
      return rows.map((r) => ({
        id: r.id,
        receiver: r.receiver,
        phone: r.phone,
        province: r.province,
        city: r.city,
        district: r.district,
        detail: r.detail,
        isDefault: r.is_default,
        createdAt: r.created_at.toISOString(),
        updatedAt: r.updated_at.toISOString(),
      }));
    },

    create(userId: string, input: AddressCreateInput): Promise<Address> {
      return db.transaction(async (transaction) => {
        await lockUser(db, userId, transaction);
        const existing = await AddressModel.count({ where: { userId }, transaction });
        const isDefault = input.isDefault === true || existing === 0;
        if (isDefault && existing > 0) await clearDefault(userId, transaction);
        const { receiver, phone, province, city, district, detail } = input;
        const row = await AddressModel.create(
          { id: newId(), userId, receiver, phone, province, city, district, detail, isDefault },
          { transaction, returning: true },
        );
        return toAddress(row);
      });
    },

    update(userId: string, input: AddressUpdateInput): Promise<Address> {
      return db.transaction(async (transaction) => {
        await lockUser(db, userId, transaction);
        const current = await AddressModel.findOne({ where: { id: input.id, userId }, transaction });
        if (!current) throw notFound();
        const { id: _id, isDefault, ...fields } = input;
        const changes: Partial<Record<keyof typeof fields, string>> = {};
        for (const [k, v] of Object.entries(fields) as [keyof typeof fields, string | undefined][]) {
          if (v !== undefined && v !== current[k]) changes[k] = v;
        }
        const defaultChange = isDefault !== undefined && isDefault !== current.isDefault;
        if (!defaultChange && !Object.keys(changes).length) return toAddress(current);
        // isDefault:false only clears the flag: the user chose to have no default (README).
        if (defaultChange && isDefault) await clearDefault(userId, transaction);
        const [, rows] = await AddressModel.update(
          { ...changes, ...(defaultChange ? { isDefault } : {}), updatedAt: fn('now') },
          { where: { id: current.id, userId }, transaction, returning: true },
        );
        return toAddress(rows[0]);
      });
    },

    delete(userId: string, id: string): Promise<{ id: string; deleted: true }> {
      return db.transaction(async (transaction) => {
        await lockUser(db, userId, transaction);
        const current = await AddressModel.findOne({ where: { id, userId }, transaction });
        if (!current) throw notFound();
        await current.destroy({ transaction });
        if (current.isDefault) {
          // Losing the default by deleting it (not by choice) hands it to the newest remaining address.
          await db.query(
            `UPDATE identity.addresses SET is_default = true, updated_at = now()
             WHERE id = (SELECT id FROM identity.addresses WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1)`,
            { bind: [userId], transaction },
          );
        }
        return { id, deleted: true };
      });
    },
  };
}

export type AddressService = ReturnType<typeof createAddressService>;
