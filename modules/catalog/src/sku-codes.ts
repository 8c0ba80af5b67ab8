import type { Transaction } from 'sequelize';
import type { Db } from '@zjmall/platform';
import { select } from './catalog.deps';
import { FieldError, isUniqueViolation } from './field-error';

/** A SKU code an input wants, and where in the input it sits (for the error). */
export interface WantedCode {
  code: string;
  path: (string | number)[];
  /** The SKU it belongs to, when it already exists (its own code is not a conflict). */
  skuId?: string;
}

const conflict = (w: WantedCode) =>
  new FieldError('CONFLICT', w.path, `SKU code ${w.code} is already used by another SKU`);

/** Names the first wanted code another SKU already has. */
export async function assertCodesFree(db: Db, wanted: WantedCode[], transaction: Transaction): Promise<void> {
  if (wanted.length === 0) return;
  const taken = await select<{ id: string; code: string }>(
    db,
    `SELECT id, code FROM catalog.skus WHERE code = ANY($1::text[])`,
    [wanted.map((w) => w.code)],
    transaction,
  );
  const owner = new Map(taken.map((t) => [t.code, t.id]));
  const clash = wanted.find((w) => owner.has(w.code) && owner.get(w.code) !== w.skuId);
  if (clash) throw conflict(clash);
}

/** A unique violation on skus.code that slipped past the check (a concurrent insert) as the same field error. */
export function codeViolation(e: unknown, wanted: WantedCode[]): unknown {
  if (!isUniqueViolation(e, 'skus_code_key')) return e;
  const detail = (e as { parent?: { detail?: string } }).parent?.detail ?? '';
  const clash = wanted.find((w) => detail.includes(`=(${w.code})`)) ?? wanted[0];
  return clash ? conflict(clash) : e;
}
