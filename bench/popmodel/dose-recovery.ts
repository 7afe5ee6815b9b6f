/**
 * The second half of the simulation–re-estimation study: are the true minimal doses recovered?
 * For the true parameters and for each re-fitted trial (results.json of sim-reest.ts), the five-question
 * base population (EstData subjects resampled, COMED at the observed rate) is swept on the QD and QW
 * grids with the point estimate only (no parameter draws) and the same random numbers, and each
 * fit's mean-crossing minimal doses are compared with the truth's: within one grid step or not.
 * Run: `node dist/bench/popmodel/dose-recovery.js bench/popmodel/results.json`.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { runInProcess } from '../../coordinator/local/in-process.js';
import { exportPopulationModel } from '../../models/export/population-model.js';
import { packTheta, type PopulationParameters } from '../../models/structures/parameters.js';
import { packageRoot } from '../../worker/common/version.js';

interface Results { meta: { truth: PopulationParameters }; trials: { replicate: number; converged: boolean; population: PopulationParameters }[] }
type Doses = Record<string, number | null>;

async function minimalDoses(pop: PopulationParameters, dir: string): Promise<Doses> {
  const cards = await exportPopulationModel(pop, [packTheta(pop)], dir, { made_by: 'bench/popmodel/dose-recovery' });
  const scenario = {
    scenarios: [{
      name: 'base', population: { subjects_source: join(packageRoot(), 'data', 'EstData.csv'), bw: { resample: { sigma: 0.1, clip_kg: [35, 120] } }, comed: 'observed' },
      threshold_ng_ml: 3.3, targets: [0.9, 0.75], replicates: 20, subjects: 500, seed: 20251121,
      regimens: [
        { name: 'qd', tau_h: 24, model: cards.qd, doses_mg: { start: 0.5, stop: 40, step: 0.5 } },
        { name: 'qw', tau_h: 168, model: cards.qw, doses_mg: { start: 5, stop: 400, step: 5 } },
      ],
    }],
  };
  const path = join(dir, 'scenario.yaml');
  await writeFile(path, stringify(scenario));
  const { decisions } = await runInProcess(path);
  return Object.fromEntries(decisions.map((d) => [`${d.regimen} ${Math.round(d.target * 100)} %`, d.mean_crossing]));
}

const file = resolve(process.argv[2] ?? 'bench/popmodel/results.json');
const results = JSON.parse(await readFile(file, 'utf8')) as Results;
const tmp = await mkdtemp(join(tmpdir(), 'dose-recovery-'));
try {
  const truth = await minimalDoses(results.meta.truth, join(tmp, 'truth'));
  const step = { qd: 0.5, qw: 5 } as Record<string, number>;
  const rows: string[] = [];
  let within = 0;
  let total = 0;
  const perTrial: { replicate: number; doses: Doses; withinOneStep: Record<string, boolean> }[] = [];
  for (const t of results.trials) {
    const doses = await minimalDoses(t.population, join(tmp, `t${t.replicate}`));
    const ok: Record<string, boolean> = {};
    for (const [k, d] of Object.entries(doses)) {
      const tr = truth[k] ?? null;
      const s = step[k.split(' ')[0] ?? ''] ?? 0;
      ok[k] = d !== null && tr !== null && Math.abs(d - tr) <= s + 1e-9;
      total += 1;
      if (ok[k]) within += 1;
    }
    perTrial.push({ replicate: t.replicate, doses, withinOneStep: ok });
    rows.push(`| ${t.replicate} | ${Object.entries(doses).map(([k, d]) => `${d ?? '—'}${ok[k] ? '' : ' ✗'}`).join(' | ')} |`);
  }
  const keys = Object.keys(truth);
  const md = [
    '## True minimal doses recovered? (mean crossing, base population, point estimates)',
    '',
    `Machine: ${cpus().length} cores (${cpus()[0]?.model ?? ''}), Node ${process.version}. Sweep: 20 replicates x 500 subjects, seed 20251121, the same random numbers for every model.`,
    '',
    `| trial | ${keys.join(' | ')} |`,
    `| --- | ${keys.map(() => '---:').join(' | ')} |`,
    `| truth | ${keys.map((k) => truth[k] ?? '—').join(' | ')} |`,
    ...rows,
    '',
    `Within one grid step (0.5 mg QD, 5 mg QW) of the truth: ${within} of ${total} (${Math.round((100 * within) / total)} %); ✗ marks the others.`,
    '',
  ].join('\n');
  await writeFile(file.replace(/results\.json$/, 'dose-recovery.md'), md);
  await writeFile(file.replace(/results\.json$/, 'dose-recovery.json'), JSON.stringify({ truth, trials: perTrial, within, total }, null, 2) + '\n');
  process.stdout.write(md);
} finally {
  await rm(tmp, { recursive: true, force: true });
}
