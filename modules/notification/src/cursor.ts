import { FieldError } from '@zjmall/platform';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const encodeCursor = (id: string): string => Buffer.from(id, 'utf8').toString('base64url');

/** The id a cursor stands for; one that is not from this list is BAD_REQUEST naming `cursor`. */
export function decodeCursor(cursor: string | undefined, field: string = 'cursor'): string | null {
  if (!cursor) return null;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!UUID.test(id)) throw new FieldError('BAD_REQUEST', [field], 'not a cursor of this list');
  return id;
}
