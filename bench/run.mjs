// `npm run bench`: every benchmark, one after the other. Results go to bench/results/*.json.
// `npm run bench -- scale` (or any part of a file name) runs only the matching ones.
import { spawnSync } from 'node:child_process';

const benches = [
  'bench/baseline.mjs',
  'bench/cases.mjs',
  'bench/flag-files.mjs',
  'bench/alerts.mjs',
  'bench/scale.mjs',
  'bench/hostile.mjs',
  'bench/stats.mjs',
];
const only = process.argv.slice(2);
// scale.mjs reuses the 1- and 2-worker rows alerts.mjs wrote earlier in the same run.
const env = { ...process.env, BENCH_RUN_STARTED: new Date().toISOString() };
for (const file of benches.filter((b) => only.length === 0 || only.some((o) => b.includes(o)))) {
  process.stdout.write(`\n== ${file}\n`);
  const r = spawnSync(process.execPath, [file], { stdio: 'inherit', env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
