/**
 * An input the schema accepted but the data or the configuration refuses (a SKU code already in
 * use, a return URL on a foreign origin), answered like a schema error: BAD_REQUEST or CONFLICT
 * with `data.zodError` naming the field (the conversion is init.ts's `toTrpcError`, with every
 * other expected failure's). docs/api.md's closed list of appCodes has no code for these: the
 * field is the answer.
 */
export class FieldError extends Error {
  constructor(
    readonly code: 'BAD_REQUEST' | 'CONFLICT',
    readonly path: (string | number)[],
    message: string,
  ) {
    super(message);
    this.name = 'FieldError';
  }
}
