/**
 * Held-out error of the quantum-kernel regressor (issue 20 item 3) on EstData with the shipped fit:
 * leave-one-subject-out R^2 and RMSE per eta of the plain covariate model (eta = 0), quantum-kernel
 * ridge and RBF-kernel ridge (models/qkernel/held-out.ts), for several circuits and CV seeds; and a
 * positive control with the same subjects' covariates and a target that does depend on them
 * (0.3 sin(1.5 z_BW) + 0.2 z_COMED + N(0, 0.1^2)), to show what the same pipeline finds when there is
 * something to find. Writes results.json and results.md beside this script.
 *   node dist/bench/qkernel/held-out.js
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cpus } from 'node:os';
import { compareHeldOut, type HeldOutComparison, type TargetScore } from '../../models/qkernel/held-out.js';
import { readTrainingSet } from '../../models/qkernel/training-set.js';
import { normals } from '../../models/sequence/seeded.js';
import { packageRoot } from '../../worker/common/version.js';

const root = packageRoot();
const set = await readTrainingSet(join(root, 'models', 'estdata'), join(root, 'data', 'EstData.csv'));
const data = { x: set.x, y: set.y };
const names = set.structure.etaNames;

interface Row { readonly label: string; readonly qubits: number; readonly reps: number; readonly seed: number; readonly seconds: number; readonly result: HeldOutComparison }
const rows: Row[] = [];
const run = (label: string, qubits: number, reps: number, seed: number, d = data, n: readonly string[] = names): void => {
  const t0 = performance.now();
  const result = compareHeldOut(d, n, qubits, reps, seed);
  rows.push({ label, qubits, reps, seed, seconds: (performance.now() - t0) / 1000, result });
  process.stderr.write(`${label}: ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
};
run('EstData, shipped circuit', 4, 2, 1);
run('EstData, CV seed 2', 4, 2, 2);
run('EstData, CV seed 3', 4, 2, 3);
run('EstData, 2 qubits x 1', 2, 1, 1);
run('EstData, 4 qubits x 1', 4, 1, 1);
run('EstData, 4 qubits x 3', 4, 3, 1);
run('EstData, 6 qubits x 2', 6, 2, 1);
const noise = normals(1, 7, 0, set.x.length);
const control = { x: set.x, y: set.x.map((z, i) => [0.3 * Math.sin(1.5 * z[0]!) + 0.2 * z[1]! + 0.1 * noise[i]!]) };
run('positive control (synthetic target), shipped circuit', 4, 2, 1, control, ['synthetic']);

const machine = `dev VM, 2 cores shared, ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.versions.node}`;
const fmt = (s: TargetScore): string => `${s.r2.toFixed(3)} / ${s.rmse.toFixed(3)}`;
const md = [
  `# Quantum-kernel regressor: held-out error (${machine}, ${new Date().toISOString().slice(0, 10)})`,
  '',
  'Leave-one-subject-out; inside each fold the encoding scale (quantum) or gamma (RBF) and each eta\'s lambda are chosen by 5-fold CV. Cells: R^2 / RMSE (eta units: log parameter).',
  '',
  ...rows.flatMap((r) => [
    `## ${r.label} (${r.qubits} qubits, ${r.reps} repetitions, CV seed ${r.seed}; ${r.seconds.toFixed(1)} s)`,
    '',
    '| eta | subjects | plain covariate model | quantum-kernel ridge | RBF-kernel ridge |',
    '|---|---|---|---|---|',
    ...r.result.plain.map((p, t) => `| ${p.eta} | ${p.subjects} | ${fmt(p)} | ${fmt(r.result.quantum[t]!)} | ${fmt(r.result.rbf[t]!)} |`),
    '',
  ]),
].join('\n');
const here = join(root, 'bench', 'qkernel');
await writeFile(join(here, 'results.json'), `${JSON.stringify({ machine, rows }, null, 2)}\n`);
await writeFile(join(here, 'results.md'), `${md}\n`);
process.stdout.write(`${md}\n`);
