// payment's public surface: nothing else is imported from outside this module.
export { createPaymentService } from './payment.service';
export type { PaymentService, PaymentServiceDeps, SandboxView } from './payment.service';
export { createPaymentRouter } from './payment.router';
export type { PaymentRouter } from './payment.router';
export { registerPaymentRoutes } from './http/payment-routes';
export {
  createSandboxProvider,
  signSandbox,
  SIGNATURE_HEADER,
  SIGNATURE_WINDOW_SECONDS,
} from './providers/sandbox.provider';
export type { SandboxProvider } from './providers/sandbox.provider';
export { CallbackRejected } from './providers/provider';
export type { PaymentProvider, VerifiedCallback, CallbackHeaders } from './providers/provider';
export type { CallbackAnswer } from './callback.handler';
export { paymentMigrations } from './migrations';
