// FieldError lives in the platform (payment answers its field errors the same way).
export { FieldError } from '@zjmall/platform';

/** Postgres unique violation on a named constraint/index. */
export function isUniqueViolation(e: unknown, constraint: string): boolean {
  const parent =
    (e as { parent?: { code?: string; constraint?: string } } | null)?.parent ??
    (e as { code?: string; constraint?: string } | null);
  return parent?.code === '23505' && parent.constraint === constraint;
}

/** Postgres foreign-key violation (a row still referenced, or a reference to a missing row). */
export function isForeignKeyViolation(e: unknown): boolean {
  const parent = (e as { parent?: { code?: string } } | null)?.parent ?? (e as { code?: string } | null);
  return parent?.code === '23503';
}
