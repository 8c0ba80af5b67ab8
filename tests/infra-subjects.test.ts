import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as contracts from '@zjmall/contracts';
import { EVENT_CATALOG, EVENT_TYPES, EventEnvelope, eventSubjects, parseEventData } from '@zjmall/contracts';
import { repoRoot } from './support/paths';

/** The subjects other services rely on: contracts' catalogue, the modules' versions and the README agree. */
describe('subjects for other services', () => {
  const catalog = EVENT_CATALOG as Record<string, contracts.EventSpec>;

  it('catalogues every event type with a payload schema exported by name from @zjmall/contracts', () => {
    expect(Object.keys(catalog).sort()).toEqual([...EVENT_TYPES].sort());
    for (const [type, spec] of Object.entries(catalog)) {
      expect((contracts as Record<string, unknown>)[spec.schemaName], `${type}: ${spec.schemaName}`).toBe(spec.schema);
      expect(spec.schemaName.endsWith(`V${spec.version}`), type).toBe(true);
    }
  });

  it('uses the versions the modules publish with', () => {
    const versions: Record<string, number> = {
      inventory: contracts.INVENTORY_EVENT_VERSION,
      order: contracts.ORDER_EVENT_VERSION,
      payment: contracts.PAYMENT_EVENT_VERSION,
    };
    // A type that broke its payload has its own version constant.
    const byType: Record<string, number> = { 'order.refunded': contracts.ORDER_REFUNDED_EVENT_VERSION };
    for (const [type, spec] of Object.entries(catalog)) {
      const module = type.split('.')[0];
      if (type in byType) expect(spec.version, type).toBe(byType[type]);
      else if (module in versions) expect(spec.version, type).toBe(versions[module]);
    }
  });

  it('names subjects <prefix>.<type> and parses payloads of known versions only', () => {
    expect(eventSubjects('shop1')['order.paid']).toBe('shop1.order.paid');
    expect(eventSubjects()['catalog.price_changed']).toBe('zjmall.catalog.price_changed');
    const base = EventEnvelope.parse({
      id: crypto.randomUUID(),
      type: 'catalog.price_changed',
      occurredAt: new Date().toISOString(),
      aggregateId: 'p1',
      version: 1,
      data: {},
    });
    expect(
      parseEventData({
        ...base,
        data: { changes: [{ skuId: 's', oldPrice: 2, newPrice: 1 }], source: 'job', jobId: 'j' },
      }),
    ).toMatchObject({ ok: true });
    expect(parseEventData(base)).toMatchObject({ ok: false });
    expect(parseEventData({ ...base, version: 2 })).toBeUndefined();
    expect(parseEventData({ ...base, type: 'elsewhere.thing' })).toBeUndefined();
  });

  it('are listed in README.md with their schema and version', () => {
    const readme = readFileSync(resolve(repoRoot, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Events for other services'));
    expect(section.length).toBeGreaterThan(100);
    for (const [type, spec] of Object.entries(catalog)) {
      expect(section, type).toMatch(
        new RegExp(`^\\| \`${type.replace('.', '\\.')}\` \\| \`${spec.schemaName}\`.*\\| ${spec.version} \\|`, 'm'),
      );
    }
  });
});
