import { z } from 'zod';
import {
  Address,
  AddressCreateInput,
  AddressDeleteOutput,
  AddressIdInput,
  AddressUpdateInput,
  AdminUser,
  AuthOutput,
  GuestInput,
  GuestOutput,
  LoginInput,
  MeOutput,
  RegisterInput,
  SetDisabledInput,
  SetRoleInput,
  SignOutEverywhereOutput,
} from '@zjmall/contracts';
import { adminProcedure, guestProcedure, publicProcedure, router, userProcedure } from '@zjmall/platform';
import type { IdentityService } from './identity.service';

/** Routers wire, the service decides: `auth.*`, `address.*` and `identity.admin.*` for modules/api's appRouter. */
export function createIdentityRouters(svc: IdentityService) {
  const auth = router({
    register: publicProcedure
      .input(RegisterInput)
      .output(AuthOutput)
      .mutation(({ input }) => svc.register(input)),
    login: publicProcedure
      .input(LoginInput)
      .output(AuthOutput)
      .mutation(({ input }) => svc.login(input)),
    guest: publicProcedure
      .input(GuestInput)
      .output(GuestOutput)
      .mutation(() => svc.guest()),
    me: guestProcedure.output(MeOutput).query(({ ctx }) => svc.me(ctx.caller)),
    signOutEverywhere: userProcedure
      .output(SignOutEverywhereOutput)
      .mutation(({ ctx }) => svc.signOutEverywhere(ctx.user.id)),
  });

  const identity = router({
    admin: router({
      setRole: adminProcedure
        .input(SetRoleInput)
        .output(AdminUser)
        .mutation(({ ctx, input }) => svc.setRole(ctx.user.id, input)),
      setDisabled: adminProcedure
        .input(SetDisabledInput)
        .output(AdminUser)
        .mutation(({ ctx, input }) => svc.setDisabled(ctx.user.id, input)),
    }),
  });

  const address = router({
    list: userProcedure.output(z.array(Address)).query(({ ctx }) => svc.listAddresses(ctx.user.id)),
    create: userProcedure
      .input(AddressCreateInput)
      .output(Address)
      .mutation(({ ctx, input }) => svc.createAddress(ctx.user.id, input)),
    update: userProcedure
      .input(AddressUpdateInput)
      .output(Address)
      .mutation(({ ctx, input }) => svc.updateAddress(ctx.user.id, input)),
    delete: userProcedure
      .input(AddressIdInput)
      .output(AddressDeleteOutput)
      .mutation(({ ctx, input }) => svc.deleteAddress(ctx.user.id, input.id)),
  });

  return { auth, address, identity };
}

export type IdentityRouters = ReturnType<typeof createIdentityRouters>;
