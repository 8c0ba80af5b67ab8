import { z } from 'zod';
import { DEFAULT_STREAM, DEFAULT_SUBJECT_PREFIX } from '@zjmall/contracts';

const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .optional()
    .transform((v) => (v === undefined ? def : v === 'true' || v === '1' || v === 'yes'));
const int = (def: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).optional().default(def);
const url = (protocols: string[]) =>
  z
    .string()
    .optional()
    .refine((v) => v === undefined || v === '' || protocols.some((p) => v.startsWith(p)), {
      message: `must start with ${protocols.join(' or ')}`,
    })
    .transform((v) => (v ? v : undefined));

/** Every variable of docs/api.md's configuration table (plus a few operational ones), parsed once at startup. */
export const ConfigSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).optional().default('development'),
    HOST: z.string().min(1).optional().default('127.0.0.1'),
    PORT: int(3000, 0, 65535),
    DATABASE_URL: url(['postgres://', 'postgresql://']),
    REDIS_URL: url(['redis://', 'rediss://']),
    /** Comma-separated independent Redis servers (an odd number) for the SKU locks' Redlock quorum; default REDIS_URL. */
    REDLOCK_URLS: z
      .string()
      .optional()
      .transform((v) =>
        v
          ? v
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean)
          : [],
      )
      .refine((l) => l.every((u) => u.startsWith('redis://') || u.startsWith('rediss://')), {
        message: 'must be redis:// or rediss:// URLs separated by commas',
      })
      .refine((l) => l.length === 0 || l.length % 2 === 1, {
        message: 'must list an odd number of servers (a majority must hold each lock)',
      }),
    NATS_URL: url(['nats://', 'tls://', 'ws://', 'wss://']),
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    // During a rotation: the key being retired. Tokens signed with it still verify; none is signed with it.
    JWT_SECRET_PREVIOUS: z.string().min(32, 'must be at least 32 characters').optional(),
    PAYMENT_CALLBACK_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    ADMIN_EMAIL: z.string().email().optional(),
    ADMIN_PASSWORD: z.string().min(8).max(128).optional(),
    CART_HOLD_TTL_SECONDS: int(1800, 0, 86_400 * 30),
    ORDER_PAYMENT_TTL_SECONDS: int(900, 1, 86_400 * 7),
    SWEEP_INTERVAL_SECONDS: z.coerce.number().min(0.05).max(3600).optional().default(5),
    CART_MAX_LINES: int(100, 1, 1000),
    CART_MAX_QUANTITY: int(999, 1, 999),
    // Queued sales (issue 21): tickets admitted per second (≈ the orders/s checkout sustains on the
    // reference machine, infra/bench/RESULTS.md) and how long an admission lasts.
    SALE_ADMISSION_RATE: int(50, 1, 100_000),
    SALE_ADMISSION_GRACE_SECONDS: int(120, 1, 86_400),
    // Price drift (issue 21): a price that rose above a cart line's agreed price is still sold at the
    // agreed price at checkout for this long after the change (0: off, the rise is PRICE_CHANGED).
    PRICE_HONOR_SECONDS: int(0, 0, 86_400 * 7),
    BFF_PROCESSES: int(1, 1, 64),
    RUN_JOBS: bool(true),
    // Worker threads that evaluate price-job batches (unset: one per core; 0: on the event loop, for comparison).
    PRICE_JOB_THREADS: z.coerce.number().int().min(0).max(64).optional(),
    STORE_CURRENCY: z
      .string()
      .regex(/^[A-Z]{3}$/, 'must be an ISO-4217 code such as CNY')
      .optional()
      .default('CNY'),
    STORE_TIMEZONE: z
      .string()
      .optional()
      .default('Asia/Shanghai')
      .refine((tz) => {
        try {
          new Intl.DateTimeFormat('en', { timeZone: tz });
          return true;
        } catch {
          return false;
        }
      }, 'must be an IANA time zone such as Asia/Shanghai'),
    /** The locale notifications are rendered in when a client asks for none. */
    STORE_LOCALE: z.enum(['zh-CN', 'en']).optional().default('zh-CN'),
    /** Outgoing webhooks: the answer deadline of one delivery, how long a failing one is retried, private targets. */
    WEBHOOK_TIMEOUT_SECONDS: int(10, 1, 120),
    WEBHOOK_RETRY_HOURS: z.coerce.number().min(0.0001).max(168).optional().default(24),
    WEBHOOK_ALLOW_PRIVATE: bool(false),
    SHIPPING_FLAT_FEE: int(0, 0, 100_000_000),
    PUBLIC_BASE_URL: z.string().url().optional(),
    SANDBOX_PAYMENTS: z.enum(['true', 'false']).optional(),
    // Channel alipay (modules/payment/README.md): on when all of ALIPAY_APP_ID, _PRIVATE_KEY, _PUBLIC_KEY are set.
    ALIPAY_APP_ID: z.string().optional(),
    ALIPAY_PRIVATE_KEY: z.string().optional(),
    ALIPAY_PUBLIC_KEY: z.string().optional(),
    ALIPAY_GATEWAY: z.string().url().optional(),
    // Channel wechat (modules/payment/README.md): on when all WECHATPAY_* but the gateway are set.
    WECHATPAY_MCH_ID: z.string().optional(),
    WECHATPAY_APP_ID: z.string().optional(),
    WECHATPAY_API_V3_KEY: z.string().optional(),
    WECHATPAY_SERIAL_NO: z.string().optional(),
    WECHATPAY_PRIVATE_KEY: z.string().optional(),
    WECHATPAY_PLATFORM_PUBLIC_KEY: z.string().optional(),
    WECHATPAY_PLATFORM_PUBLIC_KEY_ID: z.string().optional(),
    WECHATPAY_GATEWAY: z.string().url().optional(),
    /** Seed the demo shop at startup when the catalog is empty (default: only on the embedded database). */
    SEED_DEMO: z.enum(['true', 'false']).optional(),
    NATS_SUBJECT_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'must be NATS subject tokens such as zjmall')
      .optional()
      .default(DEFAULT_SUBJECT_PREFIX),
    NATS_STREAM: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, 'must be letters, digits, _ or -')
      .optional()
      .default(DEFAULT_STREAM),
    JWT_TTL_SECONDS: int(604_800, 60, 86_400 * 365),
    CORS_ORIGINS: z
      .string()
      .optional()
      .transform((v) =>
        v
          ? v
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean)
          : [],
      ),
    TRUST_PROXY: bool(false),
    RATE_LIMIT_PER_MINUTE: int(1200, 0, 10_000_000),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional().default('info'),
    /** One info line per request (method, path or procedure, status, ms, request id). */
    LOG_REQUESTS: z.enum(['true', 'false']).optional(),
    // Operational settings beyond docs/api.md's table.
    /** log2 of scrypt's N for password hashes (identity/README.md). */
    PASSWORD_HASH_COST: int(14, 10, 20),
    /** Where the embedded PostgreSQL and generated secrets live. */
    DATA_DIR: z.string().optional().default('.data'),
    /** Key prefix for every Redis key of this deployment (tests give each run its own). */
    REDIS_KEY_PREFIX: z.string().max(100).optional().default('zjmall:'),
    /** PostgreSQL connection pool size per process. */
    DB_POOL_MAX: int(10, 1, 200),
    /** apps/worker: serve Prometheus' /metrics on this port (0: none; the BFF serves its own on PORT). */
    METRICS_PORT: int(0, 0, 65535),
    /** OpenTelemetry's own variable: tracing is on when set (apps/bff/bin/tracing.mjs reads it; checked here). */
    OTEL_EXPORTER_OTLP_ENDPOINT: url(['http://', 'https://']),
  })
  .transform((c, ctx) => {
    if (c.NODE_ENV === 'production' && c.PASSWORD_HASH_COST < 14) {
      ctx.addIssue({
        code: 'custom',
        path: ['PASSWORD_HASH_COST'],
        message: 'must be at least 14 in production (scrypt N=16384, node:crypto default)',
      });
    }
    if (c.REDLOCK_URLS.length > 0 && !c.REDIS_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['REDLOCK_URLS'],
        message: 'requires REDIS_URL (the cache and rate limit)',
      });
    }
    const sandboxPayments =
      c.SANDBOX_PAYMENTS === undefined ? c.NODE_ENV !== 'production' : c.SANDBOX_PAYMENTS === 'true';
    const publicBaseUrl = (
      c.PUBLIC_BASE_URL ?? `http://${c.HOST.includes(':') ? `[${c.HOST}]` : c.HOST}:${c.PORT}`
    ).replace(/\/$/, '');
    const seedDemo = c.SEED_DEMO === undefined ? !c.DATABASE_URL : c.SEED_DEMO === 'true';
    const logRequests = c.LOG_REQUESTS === undefined ? true : c.LOG_REQUESTS === 'true';
    return {
      ...c,
      SANDBOX_PAYMENTS: sandboxPayments,
      SEED_DEMO: seedDemo,
      LOG_REQUESTS: logRequests,
      PUBLIC_BASE_URL: publicBaseUrl,
    };
  });

export type Config = z.output<typeof ConfigSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; a wrong value throws a ConfigError naming each variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const input: Record<string, string | undefined> = {};
  for (const key of Object.keys(ConfigSchema.in.shape)) {
    const v = env[key];
    input[key] = v === '' ? undefined : v;
  }
  const parsed = ConfigSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map(
        (i) => `${i.path.join('.') || '(config)'}=${JSON.stringify(input[String(i.path[0])] ?? null)}: ${i.message}`,
      ),
    );
  }
  return parsed.data;
}

/** Which of the three shared dependencies run embedded/in-process. */
export function dependencyModes(c: Config) {
  return {
    database: c.DATABASE_URL ? 'external' : 'embedded',
    redis: c.REDIS_URL ? 'redis' : 'in-process',
    nats: c.NATS_URL ? 'jetstream' : 'in-process',
  } as const;
}

/** For entry points: a wrong setting prints the message naming the variable and exits with EX_CONFIG (78). */
export function loadConfigOrExit(env: Record<string, string | undefined> = process.env): Config {
  try {
    return loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(78);
    }
    throw e;
  }
}
