import { z } from 'zod';
import { DomainError } from '@zjmall/platform';

const Uuid = z.string().uuid();

/** Page cursors are opaque to clients: the last order id, base64url. */
export const encodeCursor = (id: string): string => Buffer.from(id, 'utf8').toString('base64url');

export function decodeCursor(cursor: string | undefined): string | null {
  if (!cursor) return null;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!Uuid.safeParse(id).success) throw new DomainError('ORDER_NOT_FOUND', 'Not a cursor of this list', { cursor });
  return id;
}
