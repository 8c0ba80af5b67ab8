import type { z } from 'zod';

/**
 * Visits every node of a zod 4 schema with its path (`skus[].spec{key}`), through zod's documented
 * definition objects (`schema._zod.def`, zod.dev/library-authors). Each schema object is visited
 * once (recursive schemas end).
 */
export function walkZod(
  schema: unknown,
  visit: (node: z.ZodType, path: string) => void,
  path = '',
  seen = new Set<unknown>(),
): void {
  if (!schema || typeof schema !== 'object' || seen.has(schema)) return;
  seen.add(schema);
  const node = schema as z.ZodType;
  const def = node._zod.def as unknown as Record<string, unknown> & { type: string };
  visit(node, path);
  const go = (child: unknown, sub: string) => walkZod(child, visit, sub, seen);
  switch (def.type) {
    case 'object':
      for (const [key, child] of Object.entries(def.shape as Record<string, unknown>))
        go(child, path ? `${path}.${key}` : key);
      if (def.catchall) go(def.catchall, `${path}{*}`);
      break;
    case 'array':
      go(def.element, `${path}[]`);
      break;
    case 'record':
      go(def.keyType, `${path}{key}`);
      go(def.valueType, `${path}{value}`);
      break;
    case 'union':
      (def.options as unknown[]).forEach((o, i) => go(o, `${path}|${i}`));
      break;
    case 'intersection':
      go(def.left, path);
      go(def.right, path);
      break;
    case 'tuple':
      (def.items as unknown[]).forEach((o, i) => go(o, `${path}[${i}]`));
      if (def.rest) go(def.rest, `${path}[…]`);
      break;
    case 'pipe':
      go(def.in, path);
      go(def.out, path);
      break;
    case 'lazy':
      go((def.getter as () => unknown)(), path);
      break;
    default:
      // optional, nullable, default, prefault, catch, readonly, nonoptional, promise: one inner schema.
      if (def.innerType) go(def.innerType, path);
  }
}
