/**
 * Malformed inputs generated from a procedure's input schema (as JSON Schema, from z.toJSONSchema):
 * a plausible value first, then one hostile change at one place of it — NUL or an unpaired
 * surrogate inside a string, a 100,000-character string, huge, negative and fractional numbers,
 * the wrong type, a 10,000-element array, deep nesting, a NUL in an object key, a missing field.
 * Everything is drawn from a seeded generator, so a seed always gives the same inputs.
 */

type Json = Record<string, unknown>;

/** A JSON text spliced in as it is (deep nesting that a value would take a deep recursion to write). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** mulberry32: a small, well-mixed 32-bit generator (enough for test data, never for secrets). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Mutated {
  /** The JSON text to send. */
  body: string;
  /** What was done where, for a failure's message. */
  what: string;
}

export function createFuzzer(seed: number) {
  const rnd = seeded(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[int(16)]).join('');
  const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[int(4)]}${hex(3)}-${hex(12)}`;

  function resolve(schema: Json, root: Json): Json {
    const ref = schema.$ref;
    if (typeof ref === 'string' && ref.startsWith('#/$defs/'))
      return ((root.$defs as Record<string, Json>)[ref.slice(8)] ?? {}) as Json;
    return schema;
  }

  function sampleString(s: Json): string {
    switch (s.format) {
      case 'uuid':
        return uuid();
      case 'email':
        return `f${hex(6)}@example.com`;
      case 'date-time':
        return '2026-12-05T10:00:00.000Z';
      case 'date':
        return '2026-12-05';
      case 'uri':
        return 'https://example.com/a.png';
    }
    const min = typeof s.minLength === 'number' ? s.minLength : 1;
    const max = typeof s.maxLength === 'number' ? s.maxLength : 16;
    const len = Math.min(max, Math.max(min, 1 + int(12)));
    return Array.from({ length: len }, () => 'abcdefghjkmnpqrstuvwxyz23456789'[int(31)]).join('');
  }

  function sampleNumber(s: Json): number {
    const lo =
      typeof s.minimum === 'number' ? s.minimum : typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum + 1 : 0;
    const hi = typeof s.maximum === 'number' ? s.maximum : lo + 100;
    const v = lo + int(Math.max(1, Math.min(hi - lo + 1, 1000)));
    return Math.min(v, hi);
  }

  /** A value the schema probably accepts (refinements and patterns aside). */
  function sample(schema: Json, root: Json, depth = 0): unknown {
    const s = resolve(schema, root);
    if (depth > 8) return null;
    if ('const' in s) return s.const;
    if (Array.isArray(s.enum)) return pick(s.enum);
    const alts = (s.anyOf ?? s.oneOf) as Json[] | undefined;
    if (alts?.length) return sample(pick(alts), root, depth + 1);
    if (Array.isArray(s.allOf) && s.allOf.length) return sample(s.allOf[0] as Json, root, depth + 1);
    const type = Array.isArray(s.type) ? pick((s.type as string[]).filter((t) => t !== 'null')) : s.type;
    switch (type) {
      case 'object': {
        const out: Json = {};
        const required = new Set((s.required as string[] | undefined) ?? []);
        for (const [k, v] of Object.entries((s.properties as Record<string, Json> | undefined) ?? {})) {
          if (required.has(k) || rnd() < 0.6) out[k] = sample(v, root, depth + 1);
        }
        if (!s.properties && s.additionalProperties && typeof s.additionalProperties === 'object') {
          const keys = (s.propertyNames as Json | undefined) ?? { type: 'string' };
          for (let i = 0; i < 1 + int(2); i++)
            out[sampleString(keys)] = sample(s.additionalProperties as Json, root, depth + 1);
        }
        return out;
      }
      case 'array': {
        const min = typeof s.minItems === 'number' ? s.minItems : 0;
        const max = typeof s.maxItems === 'number' ? s.maxItems : min + 3;
        const n = Math.min(max, min + int(3));
        return Array.from({ length: n }, () => sample((s.items as Json | undefined) ?? {}, root, depth + 1));
      }
      case 'string':
        return sampleString(s);
      case 'integer':
      case 'number':
        return sampleNumber(s);
      case 'boolean':
        return rnd() < 0.5;
      case 'null':
        return null;
      default:
        return 'x';
    }
  }

  type Path = (string | number)[];
  /** Every place in a value: [path, value]. */
  function places(v: unknown, path: Path = [], out: [Path, unknown][] = []): [Path, unknown][] {
    out.push([path, v]);
    if (Array.isArray(v)) v.forEach((x, i) => places(x, [...path, i], out));
    else if (v && typeof v === 'object' && !(v instanceof RawJson))
      for (const [k, x] of Object.entries(v)) places(x, [...path, k], out);
    return out;
  }
  function replaced(v: unknown, path: Path, by: (old: unknown) => unknown): unknown {
    if (path.length === 0) return by(v);
    const [head, ...rest] = path;
    if (Array.isArray(v)) return v.map((x, i) => (i === head ? replaced(x, rest, by) : x));
    const o = v as Json;
    return { ...o, [head]: replaced(o[head as string], rest, by) };
  }

  const insert = (s: string, what: string) => {
    const at = int(s.length + 1);
    return s.slice(0, at) + what + s.slice(at);
  };
  const deep = (n: number) =>
    new RawJson(rnd() < 0.5 ? '['.repeat(n) + ']'.repeat(n) : '{"a":'.repeat(n) + '1' + '}'.repeat(n));

  /** Hostile replacements for the value at one place (its old value lets a NUL go inside a plausible string). */
  const HOSTILE: { name: string; make: (old: unknown) => unknown; strings?: boolean }[] = [
    { name: 'NUL in a string', strings: true, make: (old) => insert(typeof old === 'string' ? old : 'abc', '\u0000') },
    {
      name: 'lone high surrogate',
      strings: true,
      make: (old) => insert(typeof old === 'string' ? old : 'abc', '\ud800'),
    },
    {
      name: 'lone low surrogate',
      strings: true,
      make: (old) => insert(typeof old === 'string' ? old : 'abc', '\udfff'),
    },
    { name: '100k-character string', make: () => 'a'.repeat(100_000) },
    {
      name: 'huge number',
      make: () => pick([1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, -(2 ** 53) - 2, 2 ** 31, -(2 ** 31) - 1, 1e21]),
    },
    { name: 'negative or fractional number', make: () => pick([-1, -0.5, 0.5, 1.5, -999_999_999, 1e-9]) },
    { name: 'wrong type', make: () => pick([null, true, false, 0, 'str', {}, [], [null], { a: 1 }]) },
    {
      name: '10k-element array',
      make: (old) =>
        new Array<unknown>(10_000).fill(Array.isArray(old) && old.length ? old[0] : pick(['x', 1, uuid()])),
    },
    { name: 'deep nesting', make: () => deep(pick([500, 5_000, 50_000])) },
  ];

  /** One malformed input for a procedure whose input schema is `schema` (JSON Schema). */
  function mutate(schema: Json): Mutated {
    const base = sample(schema, schema);
    const all = places(base);
    const strings = all.filter(([, v]) => typeof v === 'string');
    const objects = all.filter(([, v]) => v && typeof v === 'object' && !Array.isArray(v));
    const r = rnd();
    // A NUL or a lone surrogate in an object key (records go into jsonb), or a required field dropped.
    if (r < 0.06 && objects.length) {
      const [path, obj] = pick(objects);
      const key = insert('key', pick(['\u0000', '\ud800', '\udc00']));
      return {
        body: toJson(replaced(base, path, () => ({ ...(obj as Json), [key]: 'v' }))),
        what: `odd key at ${show(path)}`,
      };
    }
    if (r < 0.1 && objects.length) {
      const [path, obj] = pick(objects);
      const keys = Object.keys(obj as Json);
      if (keys.length) {
        const drop = pick(keys);
        const { [drop]: _dropped, ...rest } = obj as Json;
        return { body: toJson(replaced(base, path, () => rest)), what: `${show([...path, drop])} missing` };
      }
    }
    const h = pick(HOSTILE);
    const candidates = h.strings && strings.length ? strings : all;
    const [path] = pick(candidates);
    return { body: toJson(replaced(base, path, h.make)), what: `${h.name} at ${show(path)}` };
  }

  return { mutate, sample: (schema: Json) => sample(schema, schema), int };
}

const show = (path: (string | number)[]) => (path.length ? path.join('.') : '(input)');

/** JSON.stringify, with RawJson spliced in as written. */
export function toJson(v: unknown): string {
  if (v instanceof RawJson) return v.text;
  if (Array.isArray(v)) return `[${v.map(toJson).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.entries(v)
      .map(([k, x]) => `${JSON.stringify(k)}:${toJson(x)}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}
