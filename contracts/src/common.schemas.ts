import { z } from 'zod';

export const Id = z.string().uuid();
export const Cursor = z.string().max(200);
export const Limit = z.number().int().min(1).max(100);
export const IdempotencyKey = z.string().min(8).max(100);

export const PingOutput = z.object({ pong: z.literal(true), at: z.string() });
export type PingOutput = z.infer<typeof PingOutput>;
