import { z } from 'zod';
import { Id, safeChars } from './common.schemas';

// Queued sales (docs/api.md, sale): catalog.admin.setSale, sale.join, sale.onTicket.

const Timestamp = z.iso.datetime({ offset: true }).check(safeChars);

/** `catalog.admin.setSale`: a sale window of a SKU; with `queued`, buyers must hold an admitted ticket in it. */
export const SetSaleInput = z
  .object({ skuId: Id, startsAt: Timestamp, endsAt: Timestamp, queued: z.boolean() })
  .refine((w) => Date.parse(w.endsAt) > Date.parse(w.startsAt), {
    message: 'endsAt must be after startsAt',
    path: ['endsAt'],
  });
export type SetSaleInput = z.infer<typeof SetSaleInput>;

export const Sale = z.object({
  id: z.string(),
  skuId: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
  queued: z.boolean(),
  /** Tickets issued so far. */
  issued: z.number().int(),
});
export type Sale = z.infer<typeof Sale>;

export const SaleJoinInput = z.object({ skuId: Id, quantity: z.number().int().min(1).max(999) });
export type SaleJoinInput = z.infer<typeof SaleJoinInput>;

/**
 * `waiting`: in the queue; `admitted`: may add the SKU and check out until `expiresAt`; `expired`:
 * the grace passed (or the window ended while waiting); `sold_out`: no stock now — still in the
 * queue, admitted in turn if units come back before the window ends.
 */
export const SaleTicketState = z.enum(['waiting', 'admitted', 'expired', 'sold_out']);
export type SaleTicketState = z.infer<typeof SaleTicketState>;

export const SaleTicket = z.object({
  ticketId: z.string(),
  skuId: z.string(),
  /** Tickets ahead of this one still waiting, plus one (1: next); 0 once admitted or expired. */
  position: z.number().int(),
  state: SaleTicketState,
  /** While admitted: when the admission lapses. */
  expiresAt: z.string().nullable(),
});
export type SaleTicket = z.infer<typeof SaleTicket>;

export const SaleTicketInput = z.object({ ticketId: Id });
export type SaleTicketInput = z.infer<typeof SaleTicketInput>;
