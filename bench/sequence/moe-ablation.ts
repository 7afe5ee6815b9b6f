/**
 * Does the quantum layer of qnn-moe matter on EstData? Trains the shipped configuration and its
 * classical ablation (expert 0 without the quantum branch, everything else equal) for a few seeds
 * and prints each run's held-out RMSE (ng/mL, the seed's validation subjects) and training time.
 * Usage: node dist/bench/sequence/moe-ablation.js [seeds...]   (default 1 2 3)
 */
import { readTrial } from '../../models/ingest/trial.js';
import { buildCascadeDataset } from '../../models/moe/dataset.js';
import { fitCascade } from '../../models/moe/fit.js';
import { parameterCount, pdParams, pkParams, type MoeShape } from '../../models/moe/network.js';
import { MOE_DEFAULTS } from '../../models/moe/train.js';
import { SEQUENCE_REGIMENS } from '../../models/sequence/regimens.js';
import { readyTf } from '../../models/sequence/tf-runtime.js';

const seeds = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [1, 2, 3];
const d = MOE_DEFAULTS;
const base: MoeShape = { hidden: d.hidden, experts: d.experts, circuit: { qubits: d.qubits, layers: d.layers } };
await readyTf();
const trial = await readTrial('data/EstData.csv');
process.stdout.write('seed  variant    parameters  val RMSE ng/mL  val MSE z  PD epochs (best/run)  seconds\n');
for (const seed of seeds) {
  const ds = buildCascadeDataset(trial, SEQUENCE_REGIMENS.qd, { seed, valFraction: 0.25 });
  for (const [name, shape] of [['quantum', base], ['classical', { ...base, quantum: false }]] as const) {
    const t = fitCascade(ds, { shape, learningRate: d.learningRate, maxEpochs: d.maxEpochs, patience: d.patience, minDelta: 0, batchSize: d.batchSize, seed });
    const params = parameterCount([...pkParams(shape), ...pdParams(shape)]);
    const secs = t.pkHistory.seconds + t.pdHistory.seconds;
    process.stdout.write(`${String(seed).padEnd(6)}${name.padEnd(11)}${String(params).padEnd(12)}${t.valRmseNgMl.toFixed(3).padEnd(16)}${t.valLoss.toFixed(4).padEnd(11)}${`${t.pdHistory.bestEpoch + 1}/${t.pdHistory.epochsRun}`.padEnd(22)}${secs.toFixed(0)}\n`);
  }
}
