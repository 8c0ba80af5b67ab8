import { AddressModel } from './address.model';
import { UserModel } from './user.model';

export { AddressModel, UserModel };
export type { UserRole } from './user.model';

/** For `db.addModels(identityModels)`. */
export const identityModels = [UserModel, AddressModel];
