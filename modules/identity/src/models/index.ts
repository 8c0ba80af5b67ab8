import { AddressModel } from './address.model';
import { LoginThrottleModel } from './login-throttle.model';
import { UserModel } from './user.model';

export { AddressModel, LoginThrottleModel, UserModel };
export type { UserRole } from './user.model';

/** For `db.addModels(identityModels)`. */
export const identityModels = [UserModel, AddressModel, LoginThrottleModel];
