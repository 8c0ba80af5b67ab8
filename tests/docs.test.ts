import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_CODES, EVENT_TYPES } from '@zjmall/contracts';
import { ConfigSchema } from '@zjmall/platform';
import { repoRoot } from './support/paths';

/**
 * The contract in the repo stays whole: docs/api.md names every appCode, event and configuration
 * variable the code has (procedures: openapi.test.ts), README.md's table every variable, and no
 * document links outside the repository or to a file that is not there.
 */
const read = (path: string) => readFileSync(resolve(repoRoot, path), 'utf8');
const trackedMarkdown = () =>
  execFileSync('git', ['ls-files', '*.md'], { cwd: repoRoot, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f && !f.includes('node_modules/'));

describe('docs', () => {
  const api = read('docs/api.md');

  it('docs/api.md names every appCode and every event type', () => {
    expect(APP_CODES.filter((c) => !api.includes(`\`${c}\``))).toEqual([]);
    expect(EVENT_TYPES.filter((t) => !api.includes(`\`${t}\``))).toEqual([]);
  });

  it('docs/api.md and README.md list every configuration variable', () => {
    const vars = Object.keys(ConfigSchema.in.shape);
    expect(vars.length).toBeGreaterThan(20);
    expect(
      vars.filter((v) => !api.includes(`\`${v}\``)),
      'missing from docs/api.md',
    ).toEqual([]);
    const readme = read('README.md');
    expect(
      vars.filter((v) => v !== 'NODE_ENV' && !readme.includes(`\`${v}\``)),
      "missing from README.md's configuration table",
    ).toEqual([]);
  });

  it('no document links outside the repository or to a missing file', () => {
    const problems: string[] = [];
    for (const file of trackedMarkdown()) {
      const text = read(file);
      if (text.includes('../shared/')) problems.push(`${file}: mentions ../shared/`);
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1].split('#')[0];
        if (!target || /^[a-z]+:/i.test(target)) continue; // anchors, http(s), mailto
        const abs = resolve(repoRoot, dirname(file), target);
        if (relative(repoRoot, abs).startsWith('..')) problems.push(`${file}: ${m[1]} points outside the repository`);
        else if (!existsSync(abs)) problems.push(`${file}: ${m[1]} does not exist`);
      }
    }
    expect(problems).toEqual([]);
  });
});
