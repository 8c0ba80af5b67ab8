import {
  createPlatform,
  dependencyModes,
  migrateUp,
  resolveSecrets,
  startEmbeddedPostgres,
  type Config,
  type EmbeddedDb,
  type Logger,
  type Platform,
} from '@zjmall/platform';
import { allMigrations } from './modules';
import { createServices, type Services } from './services';

export interface Runtime {
  platform: Platform;
  services: Services;
  /** The embedded PostgreSQL of another zjmall process (a CLI while the shop runs), or null. */
  sharedEmbedded: { pid: number } | null;
  close(): Promise<void>;
}

/**
 * What every process does before serving: secrets, the database (embedded when DATABASE_URL is
 * unset), Redis and NATS, migrations (under the migrator's advisory lock), services, the admin.
 */
export async function bootRuntime(
  config: Config,
  log: Logger,
  appName: string,
  opts: { shareEmbedded?: boolean } = {},
): Promise<Runtime> {
  const secrets = resolveSecrets(config);
  const modes = dependencyModes(config);
  let embedded: EmbeddedDb | null = null;
  let url = config.DATABASE_URL;
  if (!url) {
    embedded = await startEmbeddedPostgres(config.DATA_DIR, secrets.embeddedDbPassword, log, {
      shareRunning: opts.shareEmbedded,
    });
    url = embedded.url;
  }
  const shared = embedded?.sharedWith ? ` (the running zjmall's, pid ${embedded.sharedWith.pid})` : '';
  log.info(
    {
      dependency: 'database',
      mode: modes.database,
      where: redact(url),
      ...(shared ? { sharedWith: embedded!.sharedWith!.pid } : {}),
    },
    `database: ${modes.database === 'embedded' ? `embedded PostgreSQL in ${config.DATA_DIR}/pg${shared}` : 'external PostgreSQL'}`,
  );
  log.info(
    { dependency: 'redis', mode: modes.redis },
    `redis: ${modes.redis === 'redis' ? 'Redlock locks, Redis cache and rate-limit store' : 'in-process locks and cache'}`,
  );
  log.info(
    { dependency: 'nats', mode: modes.nats },
    `nats: ${modes.nats === 'jetstream' ? `JetStream stream ${config.NATS_STREAM} on ${config.NATS_SUBJECT_PREFIX}.>` : 'in-process bus'}`,
  );
  let platform: Platform;
  try {
    platform = await createPlatform({ ...config, DATABASE_URL: url }, log, appName);
  } catch (e) {
    await embedded?.stop();
    throw e;
  }
  try {
    const ran = await migrateUp(platform.db, url, allMigrations, log);
    if (ran.length) log.info({ migrations: ran.length }, 'migrations applied');
    const services = createServices(platform, {
      jwtSecret: secrets.jwtSecret,
      paymentCallbackSecret: secrets.paymentCallbackSecret,
    });
    if (config.ADMIN_EMAIL && config.ADMIN_PASSWORD) {
      await services.identity.ensureAdmin(config.ADMIN_EMAIL, config.ADMIN_PASSWORD);
      log.info({ email: config.ADMIN_EMAIL }, 'admin user ensured');
    }
    return {
      platform,
      services,
      sharedEmbedded: embedded?.sharedWith ?? null,
      async close() {
        await platform.close();
        await embedded?.stop();
      },
    };
  } catch (e) {
    await platform.close();
    await embedded?.stop();
    throw e;
  }
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}
