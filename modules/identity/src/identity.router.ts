import { z } from 'zod';
import {
  Address,
  AddressCreateInput,
  AddressDeleteOutput,
  AddressIdInput,
  AddressUpdateInput,
  AuthOutput,
  GuestInput,
  GuestOutput,
  LoginInput,
  MeOutput,
  RegisterInput,
} from '@zjmall/contracts';
import { guestProcedure, publicProcedure, router, userProcedure } from '@zjmall/platform';
import type { IdentityService } from './identity.service';

/** Routers wire, the service decides: `auth.*` and `address.*` for modules/api's appRouter. */
export function createIdentityRouters(svc: IdentityService) {
  const auth = router({
    register: publicProcedure.input(RegisterInput).output(AuthOutput).mutation(({ input }) => svc.register(input)),
    login: publicProcedure.input(LoginInput).output(AuthOutput).mutation(({ input }) => svc.login(input)),
    guest: publicProcedure.input(GuestInput).output(GuestOutput).mutation(() => svc.guest()),
    me: guestProcedure.output(MeOutput).query(({ ctx }) => svc.me(ctx.caller)),
  });

  const address = router({
    list: userProcedure.output(z.array(Address)).query(({ ctx }) => svc.listAddresses(ctx.user.id)),
    create: userProcedure.input(AddressCreateInput).output(Address).mutation(({ ctx, input }) => svc.createAddress(ctx.user.id, input)),
    update: userProcedure.input(AddressUpdateInput).output(Address).mutation(({ ctx, input }) => svc.updateAddress(ctx.user.id, input)),
    delete: userProcedure
      .input(AddressIdInput)
      .output(AddressDeleteOutput)
      .mutation(({ ctx, input }) => svc.deleteAddress(ctx.user.id, input.id)),
  });

  return { auth, address };
}

export type IdentityRouters = ReturnType<typeof createIdentityRouters>;
