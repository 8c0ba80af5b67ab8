import type { SeedProgress } from './seed-catalog';

const WIDTH = 30;
const LABEL: Record<SeedProgress['phase'], string> = {
  categories: 'categories',
  brands: 'brands',
  products: 'products',
  users: 'users',
  done: 'done',
};

/**
 * A progress bar on a stream (stderr): redrawn in place on a terminal, a line per 10 % otherwise
 * (CI logs). Returns the `onProgress` callback for seedCatalog.
 */
export function progressBar(stream: NodeJS.WriteStream = process.stderr): (p: SeedProgress) => void {
  const started = performance.now();
  let lastPhase: SeedProgress['phase'] | null = null;
  let lastDecile = -1;
  return (p) => {
    if (p.phase === 'done') {
      if (stream.isTTY) stream.write('\n');
      stream.write(`seed: done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
      return;
    }
    const ratio = p.total > 0 ? Math.min(1, p.done / p.total) : 1;
    const filled = Math.round(ratio * WIDTH);
    const line = `seed: ${LABEL[p.phase].padEnd(10)} [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${String(Math.round(ratio * 100)).padStart(3)}% ${p.done}/${p.total}`;
    if (stream.isTTY) {
      if (lastPhase && lastPhase !== p.phase) stream.write('\n');
      stream.write(`\r${line}`);
    } else {
      const decile = Math.floor(ratio * 10);
      if (lastPhase === p.phase && decile === lastDecile) return;
      lastDecile = decile;
      stream.write(`${line}\n`);
    }
    lastPhase = p.phase;
  };
}
