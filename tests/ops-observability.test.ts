import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from './support/paths';

/**
 * The compose file's observability profile, checked by parsing (no container engine here): the
 * logs reach Loki with the fields the app writes, Prometheus scrapes every app container on the
 * port it serves /metrics on and loads the alert rules, Grafana is provisioned with the dashboard.
 */
const infra = (p: string) => resolve(repoRoot, 'infra', p);
const yaml = <T>(p: string) => parse(readFileSync(infra(p), 'utf8'), { merge: true }) as T;

interface Service {
  image?: string;
  profiles?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
}
const compose = yaml<{ services: Record<string, Service> }>('docker-compose.yml');
const services = compose.services;
/** `./x:/y:ro` mounts of a service, as {host file under infra/, container path}. */
const mounts = (s: Service) =>
  (s.volumes ?? [])
    .filter((v) => v.startsWith('./'))
    .map((v) => {
      const [host, target] = v.split(':');
      return { host: infra(host), target };
    });

describe('compose profile "observability"', () => {
  it('runs Loki, promtail, Prometheus, Jaeger and Grafana only under the profile, mounting files that exist', () => {
    for (const name of ['loki', 'promtail', 'prometheus', 'jaeger', 'grafana']) {
      expect(services[name]?.profiles, name).toEqual(['observability']);
      for (const m of mounts(services[name])) expect(existsSync(m.host), `${name}: ${m.host}`).toBe(true);
    }
    // The shop itself does not depend on any of them.
    for (const name of ['bff-1', 'bff-2', 'worker', 'lb']) expect(services[name].profiles).toBeUndefined();
  });

  it('ships the JSON log lines to Loki with service and level as labels and the line time as timestamp', () => {
    const cfg = yaml<{
      clients: { url: string }[];
      scrape_configs: { pipeline_stages: Record<string, Record<string, unknown>>[] }[];
    }>('promtail/config.yml');
    expect(cfg.clients[0].url).toBe('http://loki:3100/loki/api/v1/push');
    const stages = Object.assign({}, ...cfg.scrape_configs[0].pipeline_stages) as Record<
      string,
      Record<string, unknown>
    >;
    // The fields platform/src/logger.ts writes.
    expect(stages.json.expressions).toMatchObject({ service: 'service', level: 'level', time: 'time' });
    expect(Object.keys(stages.labels)).toEqual(['service', 'level']);
    expect(stages.timestamp).toEqual({ source: 'time', format: 'RFC3339Nano' });
    expect(mounts(services.promtail).map((m) => m.target)).toContain('/etc/promtail/config.yml');
  });

  it('scrapes both BFFs on PORT and the worker on METRICS_PORT, and evaluates alerts.yml', () => {
    const cfg = yaml<{ rule_files: string[]; scrape_configs: { static_configs: { targets: string[] }[] }[] }>(
      'prometheus/prometheus.yml',
    );
    const targets = cfg.scrape_configs.flatMap((s) => s.static_configs.flatMap((c) => c.targets));
    const apps = Object.entries(services).filter(([, s]) => s.image?.startsWith('zjmall:'));
    expect(apps.length).toBe(3);
    for (const [name, s] of apps) {
      const port = s.environment?.METRICS_PORT ?? s.environment?.PORT;
      expect(port, name).toBeDefined();
      expect(targets, name).toContain(`${name}:${port}`);
    }
    const byTarget = Object.fromEntries(mounts(services.prometheus).map((m) => [m.target, m.host]));
    for (const f of cfg.rule_files) expect(byTarget[f], f).toBe(infra('prometheus/alerts.yml'));
    expect(byTarget['/etc/prometheus/prometheus.yml']).toBe(infra('prometheus/prometheus.yml'));
  });

  it('provisions Grafana with the three data sources and the zjmall dashboard', () => {
    const ds = yaml<{ datasources: { uid: string; url: string }[] }>('grafana/provisioning/datasources/zjmall.yml');
    expect(ds.datasources.map((d) => d.uid).sort()).toEqual(['zjmall-jaeger', 'zjmall-loki', 'zjmall-prometheus']);
    const dash = yaml<{ providers: { options: { path: string } }[] }>('grafana/provisioning/dashboards/zjmall.yml');
    const byTarget = Object.fromEntries(mounts(services.grafana).map((m) => [m.target, m.host]));
    expect(byTarget[`${dash.providers[0].options.path}/zjmall.json`]).toBe(infra('grafana/zjmall.json'));
    expect(byTarget['/etc/grafana/provisioning']).toBe(infra('grafana/provisioning'));
  });
});
