import { z } from 'zod';

/** NUL (PostgreSQL's text and jsonb cannot hold it) and UTF-16 surrogates without their pair (no UTF-8 form). */
const UNSAFE_CHARS = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The check every input string carries: such a string is refused (BAD_REQUEST naming the field),
 * never altered. `tests/hostile-input.test.ts` fails on any input string of the API without it.
 */
export const safeChars = z.refine<string>((s) => !UNSAFE_CHARS.test(s), {
  message: 'must not contain NUL or unpaired surrogate characters',
});

/** The string of every input: `SafeString.trim().min(1).max(50)` (formats: `z.url().check(safeChars)`). */
export const SafeString = z.string().check(safeChars);

export const Id = SafeString.uuid();
export const Cursor = SafeString.max(200);
export const Limit = z.number().int().min(1).max(100);
export const IdempotencyKey = SafeString.min(8).max(100);

export const PingOutput = z.object({ pong: z.literal(true), at: z.string() });
export type PingOutput = z.infer<typeof PingOutput>;
