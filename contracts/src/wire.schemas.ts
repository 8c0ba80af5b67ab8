import { z } from 'zod';
import { APP_CODES, type AppCode } from './errors';

/**
 * The error answer of every procedure (docs/api.md, Wire): tRPC's error shape with the domain
 * `appCode`, its `details`, and the flattened schema error of a BAD_REQUEST. `ErrorData` (errors.ts)
 * is its `data` as a TypeScript type.
 */
export const ErrorEnvelope = z.object({
  error: z.object({
    message: z.string(),
    /** JSON-RPC 2.0 code (e.g. -32600 BAD_REQUEST, -32004 NOT_FOUND). */
    code: z.number().int(),
    data: z.object({
      /** The tRPC code, e.g. NOT_FOUND, CONFLICT, BAD_REQUEST. */
      code: z.string(),
      httpStatus: z.number().int(),
      /** The procedure's path. */
      path: z.string().optional(),
      /** The domain reason (docs/api.md, Errors). */
      appCode: z.enum(APP_CODES as [AppCode, ...AppCode[]]).optional(),
      /** The particulars of the appCode, where it has some (e.g. PRICE_CHANGED's new totals). */
      details: z.unknown().optional(),
      /** Field errors of a schema error (BAD_REQUEST without appCode), keyed by dotted path. */
      zodError: z
        .object({ formErrors: z.array(z.string()), fieldErrors: z.record(z.string(), z.array(z.string())) })
        .nullable()
        .optional(),
      /** On INTERNAL_SERVER_ERROR: the id to look the request up in the logs. */
      requestId: z.string().optional(),
      /** Development only (ZJMALL_SHOW_STACKS=true). */
      stack: z.string().optional(),
    }),
  }),
});
export type ErrorEnvelope = z.infer<typeof ErrorEnvelope>;
