/**
 * `qusop train lstm|qt-lstm|qlstm|qk-lstm|emax|logistic|qnn-moe <trial.csv> --out DIR` — trains a QuSOP sequence model (models/sequence, models/qlstm), PNU's QNN-MoE (models/moe) or one of the
 * paper's classical baselines (models/baselines) and writes its QD/QW trajectory models.
 */
import type { Argv } from 'yargs';
import { defineCommand } from './define.js';
import { COUNT, intOption, numberOption, SEED } from '../number-options.js';
import { dataSpecOption } from '../data-spec-option.js';
import { join } from 'node:path';
import { packageRoot } from '../../worker/common/version.js';

const builder = (y: Argv) =>
  y
    .positional('family', {
      choices: ['lstm', 'qt-lstm', 'emax', 'logistic', 'qnn-moe', 'qlstm', 'qk-lstm', 'qkernel', 'qcnn', 'selector'] as const,
      demandOption: true,
      describe: 'lstm: BiLSTM (paper 3.1); qt-lstm: Quantum-Train LSTM (paper 3.3); emax: inhibitory Emax on Cavg (paper 5.5); logistic: logistic link on BW, COMED, mg/kg dose (paper 5.7); qnn-moe: PNU\'s QNN-enhanced ResMLP mixture of experts, cascade PK -> PD (models/moe); qlstm: LSTM gates from variational circuits (paper 3.2); qk-lstm: LSTM gates from a quantum kernel (paper 3.4); qkernel: quantum-kernel ridge from covariates to the individual etas of a fit (--fit DIR; models/qkernel); qcnn: QCNN success classifier on the fitted PK window, outputs P(success) (models/qcnn); selector: the Transformer structure selector of `qusop fit --preselect transformer`, trained on trials simulated with this trial\'s design (models/selector)',
    })
    .positional('trial', { type: 'string', demandOption: true, describe: 'trial CSV in a NONMEM layout (standard column names in any letter case, or mapped by --data-spec)' })
    .option(...dataSpecOption())
    .option('out', { type: 'string', demandOption: true, describe: 'output directory for <family>-qd/-qw .onnx + .model.json' })
    .option(...intOption('seed', SEED, { default: 1, describe: 'seed of the split, batch order, initial weights and circuit; of the parameter-uncertainty draws (emax, logistic)' }))
    .option('fit', { type: 'string', describe: 'qkernel: the fit directory (qusop fit: fit.json with individual estimates, qd/qw cards) of this trial (default: models/estdata)' })
    .option('pk', { type: 'string', describe: 'emax: population PK card whose typical clearance (log CL) gives Cavg; qcnn: the PK model whose window it reads (default: the shipped EstData fit, models/estdata/qd.model.json)' })
    .option(...numberOption('threshold', { min: 0, exclusiveMin: true }, { default: 3.3, describe: 'logistic, qcnn: success is the last window\'s largest biomarker <= this (ng/mL)' }))
    .option('holdout-from', { type: 'string', describe: 'emax, logistic, qcnn: hold out of the fit the validation subjects a card recorded on this trial (e.g. models/sequence-estdata/bilstm-qd.model.json), so calibration scores them held out' })
    .option('residual', { type: 'boolean', default: true, describe: 'emax: subjects scatter around the curve by the fit\'s residual sd; --no-residual: the typical-subject curve (cards emax-typical-*)' })
    .option(...intOption('draws', COUNT, { default: 200, describe: 'emax, logistic: parameter-uncertainty draws on the cards (row 0 = the estimate)' }))
    .option(...intOption('epochs', COUNT, { describe: 'maximum epochs (early stopping on the validation split may stop sooner; default 300)' }))
    .option(...intOption('patience', COUNT, { describe: 'epochs without validation improvement before stopping (default 40 lstm, 30 qt-lstm)' }))
    .option(...intOption('hidden', COUNT, { describe: 'LSTM hidden units per direction (default 64 lstm, 32 qt-lstm)' }))
    .option(...intOption('experts', COUNT, { describe: 'qnn-moe: residual-MLP experts (default 4; expert 0 carries the quantum layer; qnn-moe defaults: --hidden 16 block width, --patience 40 per stage)' }))
    .option(...intOption('qubits', COUNT, { describe: 'qubits per circuit, 2-8: qnn-moe (its variational layer, default 4), qlstm (default 4), qk-lstm (default 3), qkernel (default 4)' }))
    .option(...intOption('layers', COUNT, { describe: 'qlstm: trainable circuit layers; qk-lstm, qkernel: feature-map repetitions (default 2)' }))
    .option(...intOption('landmarks', COUNT, { describe: 'qk-lstm: Nystrom landmarks drawn by the seed from the training inputs (default 16)' }))
    .option(...numberOption('max-minutes', { min: 0, exclusiveMin: true }, { describe: 'start no new epoch after this much training time (best epoch kept)' }))
    .option(...intOption('trials', COUNT, { describe: 'selector: simulated training trials, 20 % held out (default 600)' }))
    .option('quiet', { type: 'boolean', default: false, describe: 'no per-epoch progress on stderr' });

export const trainCommandModule = defineCommand('train <family> <trial>', 'Train a QuSOP sequence model (BiLSTM or QT-LSTM) or a classical baseline (Emax on Cavg, logistic link) on a trial and export it as QD/QW trajectory models (ONNX + cards)', builder, async (a) => {
  if (a.family === 'emax' || a.family === 'logistic') {
    const { trainBaseline } = await import('../../models/baselines/train.js');
    const started = Date.now();
    const cards = await trainBaseline({
      family: a.family,
      trialPath: a.trial,
      ...(a['data-spec'] === undefined ? {} : { dataSpecPath: a['data-spec'] }),
      outDir: a.out,
      seed: a.seed,
      pkCardPath: a.pk ?? join(packageRoot(), 'models', 'estdata', 'qd.model.json'),
      thresholdNgMl: a.threshold,
      draws: a.draws,
      residual: a.residual,
      ...(a['holdout-from'] === undefined ? {} : { holdoutFromPath: a['holdout-from'] }),
    });
    if (!a.quiet) process.stderr.write(`${a.family}: fitted and exported in ${Date.now() - started} ms\n`);
    process.stdout.write(`${cards.join('\n')}\n`);
    return;
  }
  if (a.family === 'qkernel') {
    const { trainQkernel } = await import('../../models/qkernel/train.js');
    const { cards, heldOut, scale } = await trainQkernel({
      trialPath: a.trial,
      ...(a['data-spec'] === undefined ? {} : { dataSpecPath: a['data-spec'] }),
      fitDir: a.fit ?? join(packageRoot(), 'models', 'estdata'),
      outDir: a.out,
      seed: a.seed,
      ...(a.qubits === undefined ? {} : { qubits: a.qubits }),
      ...(a.layers === undefined ? {} : { reps: a.layers }),
    });
    if (!a.quiet) {
      const r2 = (s: { eta: string; r2: number }[]): string => s.map((x) => `${x.eta} ${x.r2.toFixed(3)}`).join(', ');
      process.stderr.write(`qkernel: encoding scale ${scale}; held-out R^2 quantum [${r2(heldOut.quantum)}], RBF [${r2(heldOut.rbf)}], plain covariate model [${r2(heldOut.plain)}]\n`);
    }
    process.stdout.write(`${cards.join('\n')}\n`);
    return;
  }
  if (a.family === 'qcnn') {
    const { trainQcnnModel, DEFAULT_EPOCHS } = await import('../../models/qcnn/train.js');
    const started = Date.now();
    const { cards, training } = await trainQcnnModel({
      trialPath: a.trial,
      ...(a['data-spec'] === undefined ? {} : { dataSpecPath: a['data-spec'] }),
      outDir: a.out,
      seed: a.seed,
      epochs: a.epochs ?? DEFAULT_EPOCHS,
      pkCardPath: a.pk ?? join(packageRoot(), 'models', 'estdata', 'qd.model.json'),
      thresholdNgMl: a.threshold,
      ...(a['holdout-from'] === undefined ? {} : { holdoutFromPath: a['holdout-from'] }),
    });
    if (!a.quiet) process.stderr.write(`qcnn: trained ${training.epochs} epochs in ${training.trained.seconds.toFixed(1)} s, exported in ${Date.now() - started} ms in all\n`);
    process.stdout.write(`${cards.join('\n')}\n`);
    return;
  }
  if (a.family === 'selector') {
    const { trainSelectorCommand } = await import('../../models/selector/command.js');
    await trainSelectorCommand({ trialPath: a.trial, dataSpec: a['data-spec'], outDir: a.out, seed: a.seed, trials: a.trials, epochs: a.epochs, patience: a.patience, quiet: a.quiet });
    return;
  }
  if (a.family === 'qnn-moe') {
    const { trainMoeModel } = await import('../../models/moe/train.js');
    const { cards, trained } = await trainMoeModel({
      trialPath: a.trial,
      ...(a['data-spec'] === undefined ? {} : { dataSpecPath: a['data-spec'] }),
      outDir: a.out,
      seed: a.seed,
      ...(a.epochs === undefined ? {} : { maxEpochs: a.epochs }),
      ...(a.patience === undefined ? {} : { patience: a.patience }),
      ...(a.hidden === undefined ? {} : { hidden: a.hidden }),
      ...(a.experts === undefined ? {} : { experts: a.experts }),
      ...(a.qubits === undefined ? {} : { qubits: a.qubits }),
      ...(a['max-minutes'] === undefined ? {} : { maxSeconds: a['max-minutes'] * 60 }),
      ...(a.quiet ? {} : { onEpoch: (stage: string, e: number, t: number, v: number) => process.stderr.write(`${stage} epoch ${e + 1}: train ${t.toFixed(4)} val ${v.toFixed(4)} (MSE, z units)\n`) }),
    });
    process.stderr.write(
      `qnn-moe: ${trained.trainableParameters} trainable parameters, PK best epoch ${trained.pkHistory.bestEpoch + 1}/${trained.pkHistory.epochsRun}, PD best epoch ${trained.pdHistory.bestEpoch + 1}/${trained.pdHistory.epochsRun}, ` +
        `val RMSE ${trained.valRmseNgMl.toFixed(3)} ng/mL (PK stage ${trained.pkValRmseNgMl.toFixed(3)}), ${(trained.pkHistory.seconds + trained.pdHistory.seconds).toFixed(0)} s\n`,
    );
    process.stdout.write(`${cards.join('\n')}\n`);
    return;
  }
  const { trainSequenceModel } = await import('../../models/sequence/train.js');
  const { cards, trained } = await trainSequenceModel({
    family: a.family,
    trialPath: a.trial,
    ...(a['data-spec'] === undefined ? {} : { dataSpecPath: a['data-spec'] }),
    outDir: a.out,
    seed: a.seed,
    ...(a.epochs === undefined ? {} : { maxEpochs: a.epochs }),
    ...(a.patience === undefined ? {} : { patience: a.patience }),
    ...(a.hidden === undefined ? {} : { hidden: a.hidden }),
    ...(a.qubits === undefined ? {} : { qubits: a.qubits }),
    ...(a.layers === undefined ? {} : { layers: a.layers }),
    ...(a.landmarks === undefined ? {} : { landmarks: a.landmarks }),
    ...(a['max-minutes'] === undefined ? {} : { maxSeconds: a['max-minutes'] * 60 }),
    ...(a.quiet ? {} : { onEpoch: (e: number, t: number, v: number) => process.stderr.write(`epoch ${e + 1}: train ${t.toFixed(4)} val ${v.toFixed(4)} (MSE, z units)\n`) }),
  });
  const h = trained.history;
  process.stderr.write(
    `${trained.family}: ${trained.trainableParameters} trainable parameters, best epoch ${h.bestEpoch + 1}/${h.epochsRun} (${h.stopReason}), ` +
      `train ${trained.trainLoss.toFixed(4)} val ${trained.valLoss.toFixed(4)} (z), val RMSE ${trained.valRmseNgMl.toFixed(3)} ng/mL, ${h.seconds.toFixed(0)} s\n`,
  );
  process.stdout.write(`${cards.join('\n')}\n`);
});
