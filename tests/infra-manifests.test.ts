import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { ConfigError, ConfigSchema, loadConfig } from '@zjmall/platform';
import { repoRoot } from './support/paths';

/**
 * The operator's kit (infra/Dockerfile, docker-compose.yml, k8s/) checked by parsing, since no
 * container engine or cluster runs here: images tagged, every variable the app gets is one of its
 * config variables and parses, the topology (two BFFs, one worker), probes, non-root.
 */
const infra = (p: string) => resolve(repoRoot, 'infra', p);
const read = (p: string) => readFileSync(infra(p), 'utf8');

/** The app's configuration variables (docs/api.md's table and the operational ones). */
const CONFIG_KEYS = new Set(Object.keys(ConfigSchema.in.shape));
/** Read by apps/bff/bin/start.mjs (which entry to run) and by Node itself. */
const PROCESS_KEYS = new Set(['ZJMALL_ENTRY', 'NODE_OPTIONS']);
const unknownKeys = (keys: Iterable<string>) => [...keys].filter((k) => !CONFIG_KEYS.has(k) && !PROCESS_KEYS.has(k));

/** `name:tag` with a real tag (not latest); `${VAR:-default}` counts as its default. */
function tagOf(image: string): string | null {
  const resolved = image.replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, '$1');
  const m = /^[^@\s]+:([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$/.exec(resolved.split('/').pop() ?? '');
  return m && m[1] !== 'latest' ? m[1] : null;
}
const sampleSecret = (c: string) => c.repeat(40);

// ---- Dockerfile ---------------------------------------------------------------------------------

interface Instruction {
  cmd: string;
  args: string;
}
function dockerfile(): Instruction[] {
  const logical = read('Dockerfile')
    .replace(/\\\n(\s*#.*\n)*/g, ' ') // line continuations (comment lines inside them are dropped)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  return logical.map((l) => {
    const [cmd, ...rest] = l.split(/\s+/);
    return { cmd: cmd.toUpperCase(), args: rest.join(' ') };
  });
}

describe('infra/Dockerfile', () => {
  const ins = dockerfile();
  const args = Object.fromEntries(ins.filter((i) => i.cmd === 'ARG').map((i) => i.args.split('=') as [string, string]));
  const froms = ins.filter((i) => i.cmd === 'FROM');
  const lastFrom = ins.lastIndexOf(froms[froms.length - 1]);
  const runtime = ins.slice(lastFrom);

  it('is multi-stage: production dependencies with npm ci, then a Node 20 bookworm-slim runtime', () => {
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const f of froms) {
      const image = f.args.split(/\s+/)[0].replace(/\$\{(\w+)\}/g, (_, v: string) => args[v] ?? '');
      expect(tagOf(image), image).toMatch(/^20(\.\d+)*-bookworm-slim$/);
    }
    expect(froms.map((f) => f.args.split(/\s+AS\s+/i)[1])).toEqual(['deps', 'web', 'runtime']);
    const install = ins.find((i) => i.cmd === 'RUN' && i.args.includes('npm ci'));
    expect(install?.args).toContain('--omit=dev');
    expect(runtime.some((i) => i.cmd === 'COPY' && i.args.startsWith('--from=deps'))).toBe(true);
    // The storefront is built in its own stage; the runtime takes only its output.
    const webStage = ins.slice(ins.indexOf(froms[1]), lastFrom);
    expect(webStage.some((i) => i.cmd === 'RUN' && i.args.includes('npm run build:web'))).toBe(true);
    expect(runtime.some((i) => i.cmd === 'COPY' && i.args === '--from=web /app/apps/web/dist ./apps/web/dist')).toBe(
      true,
    );
    // --omit=dev is only right because everything the app runs with is a runtime dependency.
    const pkg = JSON.parse(readFileSync(resolve(repoRoot, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    for (const dep of ['tsx', 'zod', 'fastify', 'pg', '@nats-io/jetstream', 'ioredis'])
      expect(pkg.dependencies[dep], dep).toBeDefined();
  });

  it('runs as a non-root user, in production mode, listening on 0.0.0.0:3000 with a node-based /health check', () => {
    const user = runtime.filter((i) => i.cmd === 'USER').pop();
    expect(user).toBeDefined();
    expect(user!.args.split(':')[0]).not.toMatch(/^(0|root)$/);
    const env = runtime
      .filter((i) => i.cmd === 'ENV')
      .map((i) => i.args)
      .join(' ');
    // NAME=value or NAME="value with spaces" (NODE_OPTIONS holds several flags).
    const vars = Object.fromEntries(
      [...env.matchAll(/(?:^|\s)(\w+)=("[^"]*"|\S+)/g)].map((m) => [m[1], m[2].replace(/^"|"$/g, '')]),
    );
    expect(vars).toMatchObject({ NODE_ENV: 'production', HOST: '0.0.0.0', PORT: '3000' });
    expect(vars.NODE_OPTIONS).toContain('--max-semi-space-size=64');
    expect(unknownKeys(Object.keys(vars))).toEqual([]);
    expect(runtime.find((i) => i.cmd === 'EXPOSE')?.args).toBe('3000');
    const hc = runtime.find((i) => i.cmd === 'HEALTHCHECK')?.args ?? '';
    expect(hc).toMatch(/CMD \["node"/);
    expect(hc).toContain('/health');
  });

  it('starts through tsx like npm start, with entry files and copied sources that exist', () => {
    const cmd = JSON.parse(runtime.find((i) => i.cmd === 'CMD')!.args) as string[];
    expect(cmd[0]).toBe('node');
    expect(existsSync(resolve(repoRoot, cmd[1])), cmd[1]).toBe(true);
    // start.mjs imports ZJMALL_ENTRY (default the BFF); the worker sets it to its main.
    const start = readFileSync(resolve(repoRoot, cmd[1]), 'utf8');
    expect(start).toContain("process.env.ZJMALL_ENTRY ?? 'apps/bff/src/main.ts'");
    for (const entry of ['apps/bff/src/main.ts', 'apps/worker/src/main.ts'])
      expect(existsSync(resolve(repoRoot, entry)), entry).toBe(true);
    // Every COPY from the build context exists and is not excluded by .dockerignore.
    const ignored = readFileSync(resolve(repoRoot, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    const sources = ins
      .filter((i) => i.cmd === 'COPY' && !i.args.includes('--from='))
      .flatMap((i) =>
        i.args
          .split(/\s+/)
          .filter((a) => !a.startsWith('--'))
          .slice(0, -1),
      );
    expect(sources).toEqual(
      expect.arrayContaining([
        'package.json',
        'package-lock.json',
        'tsconfig.json',
        'tsconfig.base.json',
        'apps',
        'modules',
        'contracts',
      ]),
    );
    for (const s of sources) {
      expect(existsSync(resolve(repoRoot, s)), s).toBe(true);
      expect(ignored, s).not.toContain(s);
    }
    // Every `@zjmall/*` path alias (resolved by tsx from tsconfig.base.json) points into a copied folder.
    const paths = (
      JSON.parse(readFileSync(resolve(repoRoot, 'tsconfig.base.json'), 'utf8')) as {
        compilerOptions: { paths: Record<string, string[]> };
      }
    ).compilerOptions.paths;
    for (const [alias, [target]] of Object.entries(paths))
      expect(sources, alias).toContain(target.replace(/^\.\//, '').split('/')[0]);
  });
});

// ---- docker-compose.yml -------------------------------------------------------------------------

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
  ports?: string[];
}
interface Compose {
  services: Record<string, ComposeService>;
  configs?: Record<string, { content?: string }>;
  volumes?: Record<string, unknown>;
}

describe('infra/docker-compose.yml', () => {
  const text = read('docker-compose.yml');
  const compose = parse(text, { merge: true }) as Compose;
  const services = compose.services;
  const app = Object.entries(services).filter(([, s]) => s.image?.startsWith('zjmall:'));
  const bffs = app.filter(([, s]) => !s.environment?.ZJMALL_ENTRY);
  const workers = app.filter(([, s]) => s.environment?.ZJMALL_ENTRY === 'apps/worker/src/main.ts');
  /** The environment compose would give a service, with example secrets in infra/.env. */
  const interpolate = (v: string) =>
    String(v).replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_, name: string, op?: string, arg?: string) => {
      if (['JWT_SECRET', 'PAYMENT_CALLBACK_SECRET', 'POSTGRES_PASSWORD'].includes(name)) return sampleSecret('s');
      return op === '-' ? (arg ?? '') : '';
    });

  it('runs PostgreSQL 15, Redis 7 and NATS ≥ 2.10 with JetStream on volumes, each with a healthcheck', () => {
    expect(tagOf(services.postgres.image!)).toMatch(/^15(-|$)/);
    expect(tagOf(services.redis.image!)).toMatch(/^7(-|$)/);
    const [major, minor] = tagOf(services.nats.image!)!.split(/[.-]/).map(Number);
    expect(major * 100 + minor).toBeGreaterThanOrEqual(210);
    expect(services.nats.command).toEqual(expect.arrayContaining(['-js', '-sd', '/data']));
    for (const name of ['postgres', 'redis', 'nats']) {
      expect(services[name].healthcheck?.test, name).toBeDefined();
      expect(Object.keys(compose.volumes ?? {}).length).toBeGreaterThanOrEqual(3);
    }
  });

  it('names every image with a tag', () => {
    for (const [name, s] of Object.entries(services))
      expect(tagOf(s.image ?? ''), `${name}: ${s.image}`).not.toBeNull();
  });

  it('has two single-process BFF replicas without jobs, health-checked on /ready, and one worker, built from infra/Dockerfile', () => {
    expect(bffs.map(([n]) => n)).toHaveLength(2);
    for (const [name, s] of bffs) {
      expect(s.environment, name).toMatchObject({
        BFF_PROCESSES: '1',
        RUN_JOBS: 'false',
        HOST: '0.0.0.0',
        NODE_ENV: 'production',
      });
      expect(s.healthcheck?.test?.join(' '), name).toContain('/ready');
    }
    expect(workers).toHaveLength(1);
    // The worker serves no HTTP: the image's /health check is switched off for it.
    expect(workers[0][1].healthcheck?.disable).toBe(true);
    for (const [name, s] of app) {
      expect(s.build, name).toEqual({ context: '..', dockerfile: 'infra/Dockerfile' });
      expect(existsSync(resolve(infra('.'), s.build!.context, s.build!.dockerfile))).toBe(true);
      for (const dep of ['postgres', 'redis', 'nats'])
        expect(s.depends_on?.[dep], `${name} → ${dep}`).toEqual({ condition: 'service_healthy' });
    }
  });

  it('gives the app only its own config variables, and they parse as the app parses them', () => {
    for (const [name, s] of app) {
      expect(unknownKeys(Object.keys(s.environment ?? {})), name).toEqual([]);
      const env = Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, interpolate(v)]));
      const config = loadConfig(env);
      expect(config.DATABASE_URL, name).toMatch(/^postgres:\/\/zjmall:s+@postgres:5432\/zjmall$/);
      expect([config.REDIS_URL, config.NATS_URL], name).toEqual(['redis://redis:6379', 'nats://nats:4222']);
      expect(config.SANDBOX_PAYMENTS, name).toBe(false);
    }
  });

  it('takes secrets from infra/.env (never committed) and documents every variable it interpolates in .env.example', () => {
    for (const key of ['JWT_SECRET', 'PAYMENT_CALLBACK_SECRET', 'POSTGRES_PASSWORD'])
      expect(text).toContain(`\${${key}:?`);
    const example = readFileSync(infra('.env.example'), 'utf8');
    const used = new Set([...text.matchAll(/\$\{(\w+)/g)].map((m) => m[1]));
    for (const v of used) expect(example, v).toMatch(new RegExp(`^#? ?${v}=`, 'm'));
    // Secrets are blank in the example: compose refuses to start until they are filled in.
    for (const key of ['JWT_SECRET', 'PAYMENT_CALLBACK_SECRET', 'POSTGRES_PASSWORD'])
      expect(example).toMatch(new RegExp(`^${key}=$`, 'm'));
    expect(existsSync(infra('.env'))).toBe(false);
  });

  it('balances both replicas behind nginx once they are healthy', () => {
    const lb = services.lb;
    expect(lb.ports).toHaveLength(1);
    for (const [name] of bffs) {
      expect(lb.depends_on?.[name]).toEqual({ condition: 'service_healthy' });
      expect(compose.configs?.nginx_conf.content).toContain(`server ${name}:3000`);
    }
    expect(compose.configs?.nginx_conf.content).toContain('proxy_buffering off'); // SSE subscriptions
  });
});

// ---- k8s ----------------------------------------------------------------------------------------

interface Container {
  name: string;
  image: string;
  command?: string[];
  ports?: { name: string; containerPort: number }[];
  env?: { name: string; value?: string }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  startupProbe?: { httpGet?: { path: string } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean };
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: {
    replicas?: number;
    selector?: { matchLabels?: Record<string, string> } & Record<string, string>;
    ports?: { port: number; targetPort: string | number }[];
    template?: {
      metadata: { labels: Record<string, string> };
      spec: {
        terminationGracePeriodSeconds?: number;
        securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
        containers: Container[];
      };
    };
  };
}

describe('infra/k8s', () => {
  const files = readdirSync(infra('k8s')).filter((f) => f.endsWith('.yaml'));
  const objects: (K8sObject & { file: string })[] = files
    .filter((f) => f !== 'kustomization.yaml')
    .flatMap((file) =>
      parseAllDocuments(read(`k8s/${file}`)).map((d) => {
        expect(d.errors, file).toEqual([]);
        return { ...(d.toJS() as K8sObject), file };
      }),
    );
  const find = (kind: string, name: string) => {
    const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
    expect(o, `${kind}/${name}`).toBeDefined();
    return o!;
  };
  const configMap = find('ConfigMap', 'zjmall-config');
  const secret = find('Secret', 'zjmall-secrets');
  const bff = find('Deployment', 'zjmall-bff');
  const worker = find('Deployment', 'zjmall-worker');
  const containerOf = (d: K8sObject) => d.spec!.template!.spec.containers[0];
  /** The environment a container gets: ConfigMap, Secret (with real-looking secrets), then its own env. */
  const envOf = (d: K8sObject, secrets: Record<string, string>) => {
    const c = containerOf(d);
    const env: Record<string, string> = {};
    for (const from of c.envFrom ?? []) {
      if (from.configMapRef) Object.assign(env, find('ConfigMap', from.configMapRef.name).data);
      if (from.secretRef) Object.assign(env, secrets);
    }
    for (const e of c.env ?? []) env[e.name] = e.value ?? '';
    return env;
  };
  const realSecrets = {
    ...secret.stringData,
    DATABASE_URL: 'postgres://zjmall:pw@db.internal:5432/zjmall',
    JWT_SECRET: sampleSecret('j'),
    PAYMENT_CALLBACK_SECRET: sampleSecret('p'),
  };

  it('are namespace-agnostic and every kustomization resource exists', () => {
    for (const o of objects) expect(o.metadata.namespace, `${o.file}`).toBeUndefined();
    const k = parse(read('k8s/kustomization.yaml')) as { kind: string; resources: string[]; namespace?: string };
    expect(k.kind).toBe('Kustomization');
    expect(k.namespace).toBeUndefined();
    for (const r of k.resources) expect(existsSync(infra(`k8s/${r}`)), r).toBe(true);
    expect(k.resources).toEqual(
      expect.arrayContaining([configMap.file, bff.file, worker.file, find('Service', 'zjmall-bff').file]),
    );
    // The Secret is a template to fill in, never applied with placeholders by `kubectl apply -k`.
    expect(k.resources).not.toContain(secret.file);
  });

  it('configure only known variables; the template secrets are placeholders the app rejects', () => {
    expect(unknownKeys(Object.keys(configMap.data ?? {}))).toEqual([]);
    expect(unknownKeys(Object.keys(secret.stringData ?? {}))).toEqual([]);
    for (const d of [bff, worker])
      expect(unknownKeys((containerOf(d).env ?? []).map((e) => e.name)), d.metadata.name).toEqual([]);
    expect(secret.stringData?.JWT_SECRET).toBe('CHANGE-ME');
    expect(() => loadConfig(envOf(bff, secret.stringData!))).toThrow(ConfigError);
    for (const d of [bff, worker]) {
      const config = loadConfig(envOf(d, realSecrets));
      expect(config.NODE_ENV).toBe('production');
      expect(config.SANDBOX_PAYMENTS).toBe(false);
    }
  });

  it('run two BFF replicas, ready on /ready, live on /health, draining within the grace period, as non-root', () => {
    expect(bff.spec!.replicas).toBe(2);
    const spec = bff.spec!.template!.spec;
    const c = containerOf(bff);
    expect(spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(30);
    expect(c.readinessProbe?.httpGet?.path).toBe('/ready');
    expect(c.livenessProbe?.httpGet?.path).toBe('/health');
    expect(c.ports?.map((p) => p.containerPort)).toEqual([3000]);
    expect(c.ports?.[0].name).toBe(c.readinessProbe?.httpGet?.port);
    expect(envOf(bff, realSecrets)).toMatchObject({
      BFF_PROCESSES: '1',
      RUN_JOBS: 'false',
      HOST: '0.0.0.0',
      PORT: '3000',
    });
    expect(c.command).toEqual(['node', 'apps/bff/bin/start.mjs']);
    const svc = find('Service', 'zjmall-bff');
    expect(bff.spec!.template!.metadata.labels).toMatchObject(svc.spec!.selector!);
    expect(bff.spec!.selector!.matchLabels).toEqual(svc.spec!.selector);
    expect(svc.spec!.ports![0].targetPort).toBe(c.ports![0].name);
  });

  it('run the worker (1+ replicas) on its entry, without HTTP probes', () => {
    expect(worker.spec!.replicas).toBeGreaterThanOrEqual(1);
    const c = containerOf(worker);
    const env = envOf(worker, realSecrets);
    expect(env.ZJMALL_ENTRY).toBe('apps/worker/src/main.ts');
    expect(existsSync(resolve(repoRoot, env.ZJMALL_ENTRY))).toBe(true);
    expect(existsSync(resolve(repoRoot, c.command![1]))).toBe(true);
    expect(c.readinessProbe ?? c.livenessProbe ?? c.startupProbe).toBeUndefined();
  });

  it('give every container a tagged image, resources and a locked-down non-root security context', () => {
    for (const d of [bff, worker]) {
      const spec = d.spec!.template!.spec;
      expect(spec.securityContext?.runAsNonRoot, d.metadata.name).toBe(true);
      expect(spec.securityContext?.runAsUser).toBeGreaterThan(0);
      for (const c of spec.containers) {
        expect(tagOf(c.image), c.image).not.toBeNull();
        expect(c.resources?.requests?.cpu && c.resources.requests.memory && c.resources.limits?.memory).toBeTruthy();
        expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
      }
    }
  });
});
