import type { ModuleMigrations } from '@zjmall/platform';
import { m0001Users } from './0001-users';
import { m0002Addresses } from './0002-addresses';
import { m0003LoginThrottle } from './0003-login-throttle';
import { m0004UserAccess } from './0004-user-access';

export const identityMigrations: ModuleMigrations = {
  module: 'identity',
  migrations: [m0001Users, m0002Addresses, m0003LoginThrottle, m0004UserAccess],
};
