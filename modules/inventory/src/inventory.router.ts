import { z } from 'zod';
import {
  AdminStock,
  InventoryAdjustInput,
  InventoryAdjustManyInput,
  InventoryAuditReport,
  InventoryGetInput,
  InventoryGetManyInput,
  InventoryLowStockInput,
  InventoryLowStockPage,
  InventorySetThresholdInput,
  InventoryTransactionsInput,
  InventoryTransactionsPage,
  PublicStock,
  ReleaseExpiredOutput,
} from '@zjmall/contracts';
import { adminProcedure, publicProcedure, router } from '@zjmall/platform';
import type { InventoryService } from './inventory.service';

/**
 * `inventory.*` for modules/api's appRouter. Routers wire, the service decides. The public
 * outputs are parsed by PublicStock, which has no onHand/reserved: they cannot leak.
 */
export function createInventoryRouter(svc: InventoryService) {
  const admin = router({
    get: adminProcedure
      .input(InventoryGetInput)
      .output(AdminStock)
      .query(({ input }) => svc.getAdminOne(input.skuId)),
    getMany: adminProcedure
      .input(InventoryGetManyInput)
      .output(z.array(AdminStock))
      .query(({ input }) => svc.getAdmin(input.skuIds)),
    adjust: adminProcedure
      .input(InventoryAdjustInput)
      .output(AdminStock)
      .mutation(({ ctx, input }) => svc.adjust({ ...input, operator: ctx.user.id })),
    adjustMany: adminProcedure
      .input(InventoryAdjustManyInput)
      .output(z.array(AdminStock))
      .mutation(({ ctx, input }) => svc.adjustMany({ ...input, operator: ctx.user.id })),
    setThreshold: adminProcedure
      .input(InventorySetThresholdInput)
      .output(AdminStock)
      .mutation(({ ctx, input }) => svc.setThreshold({ ...input, operator: ctx.user.id })),
    lowStock: adminProcedure
      .input(InventoryLowStockInput)
      .output(InventoryLowStockPage)
      .query(({ input }) => svc.lowStock(input)),
    transactions: adminProcedure
      .input(InventoryTransactionsInput)
      .output(InventoryTransactionsPage)
      .query(({ input }) => svc.transactions(input)),
    releaseExpired: adminProcedure.output(ReleaseExpiredOutput).mutation(() => svc.releaseExpired()),
    audit: adminProcedure.output(InventoryAuditReport).query(() => svc.audit()),
  });

  return router({
    get: publicProcedure
      .input(InventoryGetInput)
      .output(PublicStock)
      .query(({ input }) => svc.getPublicOne(input.skuId)),
    getMany: publicProcedure
      .input(InventoryGetManyInput)
      .output(z.array(PublicStock))
      .query(({ input }) => svc.getPublic(input.skuIds)),
    admin,
  });
}

export type InventoryRouter = ReturnType<typeof createInventoryRouter>;
