// identity's public surface: nothing else is imported from outside this module.
export { createIdentityService } from './identity.service';
export type { IdentityService, IdentityServiceDeps, OnLoginHook } from './identity.service';
export type { HashLimits, HashLimiterStats } from './password-hasher';
export { createIdentityRouters } from './identity.router';
export type { IdentityRouters } from './identity.router';
export { identityModels } from './models';
export type { UserRole } from './models';
export { identityMigrations } from './migrations';
export { GUEST_TOKEN_TTL_SECONDS } from './tokens';
export { USER_ACCESS_TTL_SECONDS } from './access.service';
export { LOGIN_MAX_ATTEMPTS, LOGIN_WINDOW_SECONDS } from './login-throttle';
