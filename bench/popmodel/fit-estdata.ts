/**
 * Fits the population model to a trial file (default data/EstData.csv) and prints the parameter
 * table, -2LL, shrinkage, convergence and timings; writes the full FitResult as JSON if asked.
 *   node dist/bench/popmodel/fit-estdata.js [trial.csv] [--seed N] [--json out.json]
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTrial } from '../../models/ingest/trial.js';
import { fitPopulationModel } from '../../models/estimate/fit.js';
import { parameterTableMarkdown } from '../../models/estimate/summary.js';

function repoFile(rel: string): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const root = here.includes(join('dist', 'bench')) ? join(here, '..', '..', '..') : join(here, '..', '..');
  return join(root, rel);
}

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const file = args.find((a, i) => !a.startsWith('--') && !(args[i - 1] ?? '').startsWith('--')) ?? repoFile('data/EstData.csv');
const trial = await readTrial(file);
let last = 0;
const fit = await fitPopulationModel(trial, {
  seed: Number(flag('--seed') ?? 20250101),
  progress: (p) => {
    const now = performance.now();
    if (p.stage !== 'saem' || now - last > 5000) { last = now; process.stderr.write(`[${(now / 1000).toFixed(0)}s] ${p.stage}: ${p.message}\n`); }
  },
});
console.log(`# ${file}\n`);
console.log(parameterTableMarkdown(fit.table, fit.shrinkage));
console.log(`\n-2LL ${fit.objective.minus2LL.toFixed(2)} (importance sampling, ${fit.objective.samples} samples/subject, MC se ${fit.objective.mcStandardError.toFixed(2)})`);
console.log(`converged ${fit.converged} ${JSON.stringify(fit.convergence)}`);
console.log(`iterations ${JSON.stringify(fit.iterations)}, model evaluations ${fit.modelEvaluations}`);
console.log(`timings (s) ${Object.entries(fit.timingsMs).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`).join(', ')}`);
console.log(`notes: ${fit.notes.join('; ')}`);
const out = flag('--json');
if (out !== undefined) await writeFile(out, JSON.stringify(fit, null, 1));
