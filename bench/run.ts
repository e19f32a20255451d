// `npm run bench`: runs every suite, prints one table, writes bench/results/latest.json.
import { mkdir, writeFile } from 'node:fs/promises';
import type { BenchRow, BenchSuite } from './harness';

const suiteModules: Array<() => Promise<{ suite: BenchSuite }>> = [
  () => import('./engine.bench'),
  () => import('./chacha20.bench'),
  () => import('./lab.bench'),
];

const only = process.argv.slice(2);
const rows: Array<BenchRow & { suite: string }> = [];
for (const load of suiteModules) {
  const { suite } = await load();
  if (only.length > 0 && !only.includes(suite.name)) continue;
  process.stderr.write(`running ${suite.name}...\n`);
  for (const row of await suite.run()) rows.push({ suite: suite.name, ...row });
}

const fmt = (v: number) =>
  Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3);
const table = rows.map((r) => ({
  suite: r.suite,
  measure: r.name,
  value: `${fmt(r.value)} ${r.unit}`,
  target: r.target || '(report)',
  met: r.met === undefined ? '' : r.met ? 'yes' : 'NO',
  detail: r.detail ?? '',
}));
console.table(table);
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(
  new URL('./results/latest.json', import.meta.url),
  JSON.stringify({ date: new Date().toISOString(), node: process.version, rows }, null, 2),
);
