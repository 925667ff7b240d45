// `npm run bench`: every benchmark, one after the other. Results go to bench/results/*.json.
import { spawnSync } from 'node:child_process';

const benches = [
  'bench/baseline.mjs',
  'bench/cases.mjs',
  'bench/alerts.mjs',
  'bench/hostile.mjs',
  'bench/stats.mjs',
];
const only = process.argv.slice(2);
for (const file of benches.filter((b) => only.length === 0 || only.some((o) => b.includes(o)))) {
  process.stdout.write(`\n== ${file}\n`);
  const r = spawnSync(process.execPath, [file], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
