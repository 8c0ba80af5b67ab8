import { z } from 'zod';
import { Id, SafeString } from './common.schemas';

export const Email = SafeString.trim().max(254).email();
export const Password = SafeString.min(8).max(128);
export const PersonName = SafeString.trim().min(1).max(100);

/** A guest JWT from auth.guest; with it, sign-in (and registration) merges the guest's cart. */
export const GuestToken = SafeString.max(2000);

/** With a guest token: `all` (default) merges the guest's cart into the user's, `none` leaves both as they are. */
export const MergeMode = z.enum(['all', 'none']);
export type MergeMode = z.infer<typeof MergeMode>;

export const RegisterInput = z.object({
  email: Email,
  password: Password,
  name: PersonName,
  guestToken: GuestToken.optional(),
  merge: MergeMode.optional(),
});
export type RegisterInput = z.infer<typeof RegisterInput>;

export const LoginInput = z.object({
  email: Email,
  password: SafeString.min(1).max(128),
  guestToken: GuestToken.optional(),
  merge: MergeMode.optional(),
});
export type LoginInput = z.infer<typeof LoginInput>;

export const GuestInput = z.object({}).strict().optional();

export const Role = z.enum(['customer', 'admin']);
export type Role = z.infer<typeof Role>;

export const User = z.object({ id: z.string(), email: z.string(), name: z.string(), role: Role });
export type User = z.infer<typeof User>;

/** What a guest cart merge at login reports (filled by the cart module through identity's onLogin hook). */
export const MergeReport = z.object({
  lines: z.number().int(),
  capped: z.array(
    z.object({
      skuId: z.string(),
      requested: z.number().int(),
      quantity: z.number().int(),
      /** quantity_limit, line_limit, stock or purchase_limit (cart's MergeCapReason). */
      reason: z.string(),
    }),
  ),
});
export type MergeReport = z.infer<typeof MergeReport>;

export const AuthOutput = z.object({ user: User, token: z.string(), merge: MergeReport.optional() });
export type AuthOutput = z.infer<typeof AuthOutput>;

export const GuestOutput = z.object({ token: z.string(), guestId: z.string() });
export type GuestOutput = z.infer<typeof GuestOutput>;

export const MeOutput = z.union([User, z.object({ guestId: z.string(), role: z.literal('guest') })]);
export type MeOutput = z.infer<typeof MeOutput>;

const Phone = SafeString.trim().regex(/^[0-9+\-\s]{5,20}$/, 'phone: 5–20 digits, +, - or spaces');
const AddressFields = {
  receiver: SafeString.trim().min(1).max(50),
  phone: Phone,
  province: SafeString.trim().min(1).max(50),
  city: SafeString.trim().min(1).max(50),
  district: SafeString.trim().min(1).max(50),
  detail: SafeString.trim().min(1).max(200),
  isDefault: z.boolean().optional(),
};
export const AddressCreateInput = z.object(AddressFields);
export type AddressCreateInput = z.infer<typeof AddressCreateInput>;

export const AddressUpdateInput = z.object({
  id: Id,
  receiver: AddressFields.receiver.optional(),
  phone: AddressFields.phone.optional(),
  province: AddressFields.province.optional(),
  city: AddressFields.city.optional(),
  district: AddressFields.district.optional(),
  detail: AddressFields.detail.optional(),
  isDefault: z.boolean().optional(),
});
export type AddressUpdateInput = z.infer<typeof AddressUpdateInput>;

export const AddressIdInput = z.object({ id: Id });
export type AddressIdInput = z.infer<typeof AddressIdInput>;

export const Address = z.object({
  id: z.string(),
  receiver: z.string(),
  phone: z.string(),
  province: z.string(),
  city: z.string(),
  district: z.string(),
  detail: z.string(),
  isDefault: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Address = z.infer<typeof Address>;

export const AddressDeleteOutput = z.object({ id: z.string(), deleted: z.literal(true) });
export type AddressDeleteOutput = z.infer<typeof AddressDeleteOutput>;

// ---- access: roles, disabling, signing out everywhere ------------------------------------------

export const SetRoleInput = z.object({ userId: Id, role: Role });
export type SetRoleInput = z.infer<typeof SetRoleInput>;

export const SetDisabledInput = z.object({ userId: Id, disabled: z.boolean() });
export type SetDisabledInput = z.infer<typeof SetDisabledInput>;

/** A user as an admin sees them after a change of access. */
export const AdminUser = User.extend({ disabled: z.boolean() });
export type AdminUser = z.infer<typeof AdminUser>;

export const SignOutEverywhereOutput = z.object({ signedOut: z.literal(true) });
export type SignOutEverywhereOutput = z.infer<typeof SignOutEverywhereOutput>;
