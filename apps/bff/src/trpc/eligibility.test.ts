import { describe, expect, it } from 'vitest';
import { readQuery } from './eligibility';

/** readQuery must agree with URLSearchParams (what the stock adapter uses) whenever it answers. */

/** What resolveResponse reads: `new URL(req.url, base).searchParams`. */
function reference(url: string) {
  const search = new URL(url, 'http://x').searchParams;
  return { batch: search.get('batch') === '1', input: search.get('input') ?? undefined };
}

const tricky = [
  '/trpc/a',
  '/trpc/a?',
  '/trpc/a?input=%7B%22x%22%3A1%7D',
  '/trpc/a?batch=1&input=%7B%7D',
  '/trpc/a?batch=1&batch=0',
  '/trpc/a?batch=%31',
  '/trpc/a?batch=true',
  '/trpc/a?input',
  '/trpc/a?input=&input=%7B%7D',
  '/trpc/a?input=a+b%2Bc',
  '/trpc/a?input=%E4%B8%AD',
  '/trpc/a?input=%E4%B8',
  '/trpc/a?input=%',
  '/trpc/a?input=%zz',
  '/trpc/a?%69nput=1',
  '/trpc/a?in+put=1',
  '/trpc/a?x=1&&input=2&',
  '/trpc/a?input=1;batch=1',
  '/trpc/a?input=1#frag',
  '/trpc/a?input=\t1',
  '/trpc/a?connectionParams=%7B%7D&input=1',
  '/trpc/a?input==1',
];

// Deterministic fuzz over the characters that matter to form decoding.
function* fuzz(n: number) {
  const alphabet = [
    'input',
    'batch',
    '=',
    '&',
    '%',
    '2',
    'B',
    'E4',
    '+',
    '1',
    '%7B',
    '%22',
    'x',
    '%ZZ',
    '%F0%9F%98',
    '%80',
  ];
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  for (let i = 0; i < n; i++) {
    let q = '';
    const len = 1 + (next() % 10);
    for (let j = 0; j < len; j++) q += alphabet[next() % alphabet.length];
    yield `/trpc/a?${q}`;
  }
}

describe('readQuery', () => {
  it.each(tricky)('%s', (url) => {
    const ours = readQuery(url);
    if (ours !== null) expect(ours).toEqual(reference(url));
  });

  it('agrees with URLSearchParams on fuzzed query strings whenever it answers', () => {
    let answered = 0;
    for (const url of fuzz(5000)) {
      const ours = readQuery(url);
      if (ours === null) continue;
      answered++;
      expect(ours, url).toEqual(reference(url));
    }
    expect(answered).toBeGreaterThan(1000);
  });

  it('answers what tRPC clients send, refuses what it cannot be sure of', () => {
    expect(readQuery('/trpc/a?batch=1&input=%7B%7D')).toEqual({ batch: true, input: '{}' });
    expect(readQuery('/trpc/a?input=a+b')).toEqual({ batch: false, input: 'a b' });
    for (const url of [
      '/trpc/a?input=%E4%B8',
      '/trpc/a?input=1&input=2',
      '/trpc/a?%69nput=1',
      '/trpc/a?connectionParams=%7B%7D',
      '/trpc/a?input=1#f',
    ]) {
      expect(readQuery(url), url).toBeNull();
    }
  });
});
