import { readFileSync } from 'node:fs';

/**
 * Summarises a V8 .cpuprofile (as written by BENCH_CPU_PROF=<dir>):
 *
 *   npx tsx infra/bench/profile-top.ts <file.cpuprofile> [--top 40] [--filter <substring of url>]
 *
 * Prints self time per function (and per source file), so a hot path's cost can be told apart
 * from the framework's, plus "inclusive" time for functions whose name or file matches --filter.
 */
interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const file = args[0];
if (!file) {
  console.error('usage: profile-top.ts <file.cpuprofile> [--top N] [--filter text]');
  process.exit(2);
}
const top = Number(args[args.indexOf('--top') + 1] || 40) || 40;
const filter = args.includes('--filter') ? args[args.indexOf('--filter') + 1] : null;
const prof = JSON.parse(readFileSync(file, 'utf8')) as Profile;

// --window a:b keeps the samples between a and b seconds after the profile's start (see the
// per-second timeline it prints, to pick a benchmark's measuring phase out of the set-up).
const win = args.includes('--window') ? args[args.indexOf('--window') + 1].split(':').map(Number) : null;
{
  let t = 0;
  const keep: number[] = [];
  const deltas: number[] = [];
  const idleIds = new Set(prof.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  const busy: number[] = [];
  prof.samples.forEach((id, i) => {
    t += prof.timeDeltas[i] ?? 0;
    const sec = Math.floor(t / 1e6);
    busy[sec] = (busy[sec] ?? 0) + (idleIds.has(id) ? 0 : (prof.timeDeltas[i] ?? 0));
    if (!win || (t >= win[0] * 1e6 && t < win[1] * 1e6)) {
      keep.push(id);
      deltas.push(prof.timeDeltas[i] ?? 0);
    }
  });
  console.log(`busy % per second: ${busy.map((b, i) => `${i}:${Math.round((b ?? 0) / 1e4)}`).join(' ')}`);
  prof.samples = keep;
  prof.timeDeltas = deltas;
}
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const selfUs = new Map<number, number>();
prof.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

const short = (url: string) =>
  url
    .replace(/^file:\/\//, '')
    .replace(/.*node_modules\//, 'nm/')
    .replace(/.*\/work\/[^/]+\//, '');
const label = (n: Node) =>
  `${n.callFrame.functionName || '(anonymous)'} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;

const fnSelf = new Map<string, number>();
const fileSelf = new Map<string, number>();
for (const [id, us] of selfUs) {
  const n = byId.get(id)!;
  fnSelf.set(label(n), (fnSelf.get(label(n)) ?? 0) + us);
  const f = short(n.callFrame.url) || `(${n.callFrame.functionName})`;
  const pkg = f.startsWith('nm/')
    ? f
        .split('/')
        .slice(0, f.split('/')[1].startsWith('@') ? 3 : 2)
        .join('/')
    : f;
  fileSelf.set(pkg, (fileSelf.get(pkg) ?? 0) + us);
}
const print = (title: string, m: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${k}`);
};
console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled`);
print('self time by function', fnSelf);
print('self time by file/package', fileSelf);

if (filter) {
  // Inclusive time: a sample counts once for every distinct matching frame on its stack.
  const incl = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur)!;
      const l = label(n);
      if (!seen.has(l) && l.includes(filter)) {
        seen.add(l);
        incl.set(l, (incl.get(l) ?? 0) + us);
      }
    }
  }
  print(`inclusive time, frames matching "${filter}"`, incl);
}

// --callers <function>: where the self time of a function (e.g. writev) comes from: the stack
// above it, summarised at its first five application frames.
if (args.includes('--callers')) {
  const fn = args[args.indexOf('--callers') + 1];
  const stacks = new Map<string, number>();
  for (const [id, us] of selfUs) {
    if (byId.get(id)!.callFrame.functionName !== fn) continue;
    const frames: string[] = [];
    for (let cur = parent.get(id); cur !== undefined && frames.length < 5; cur = parent.get(cur)) {
      const n = byId.get(cur)!;
      if (n.callFrame.url && !n.callFrame.url.startsWith('node:')) frames.push(label(n));
    }
    const k = frames.join(' < ');
    stacks.set(k, (stacks.get(k) ?? 0) + us);
  }
  print(`callers of ${fn}`, stacks);
}

// --under <text>: self time of the samples whose stack holds a frame matching text, by leaf
// function (what a call costs, and where inside it).
if (args.includes('--under')) {
  const text = args[args.indexOf('--under') + 1];
  const leaves = new Map<string, number>();
  for (const [id, us] of selfUs) {
    let hit = false;
    for (let cur: number | undefined = id; cur !== undefined && !hit; cur = parent.get(cur))
      hit = label(byId.get(cur)!).includes(text);
    if (hit) leaves.set(label(byId.get(id)!), (leaves.get(label(byId.get(id)!)) ?? 0) + us);
  }
  print(`self time under "${text}"`, leaves);
}
