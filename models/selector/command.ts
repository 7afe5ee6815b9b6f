/** `qusop train selector TRIAL --out DIR --seed S`: reads the trial, trains (train.ts), prints the weights file. */
import { readDataset } from '../ingest/dataset.js';
import { loadDataSpec, NO_SPEC } from '../ingest/data-spec.js';
import { trialFromDataset } from '../ingest/trial-projection.js';
import { trainSelector } from './train.js';

export interface TrainSelectorArgs {
  readonly trialPath: string;
  readonly dataSpec: string | undefined;
  readonly outDir: string;
  readonly seed: number;
  readonly trials: number | undefined;
  readonly epochs: number | undefined;
  readonly patience: number | undefined;
  readonly quiet: boolean;
}

export async function trainSelectorCommand(a: TrainSelectorArgs): Promise<void> {
  const spec = a.dataSpec === undefined ? NO_SPEC : await loadDataSpec(a.dataSpec);
  const trial = trialFromDataset(await readDataset(a.trialPath, spec));
  const t = await trainSelector(trial, {
    outDir: a.outDir,
    seed: a.seed,
    dataFile: a.trialPath,
    size: { ...(a.trials === undefined ? {} : { trials: a.trials }), ...(a.epochs === undefined ? {} : { maxEpochs: a.epochs }), ...(a.patience === undefined ? {} : { patience: a.patience }) },
    ...(a.quiet ? {} : { onEpoch: (e: number, tr: number, v: number) => process.stderr.write(`selector epoch ${e + 1}: train ${tr.toFixed(4)} held-out ${v.toFixed(4)} (cross-entropy + regression)\n`) }),
  });
  const h = t.history;
  process.stderr.write(`selector: ${t.parameters} parameters, simulation ${t.simulateSeconds.toFixed(0)} s, best epoch ${h.bestEpoch + 1}/${h.epochsRun} (${h.stopReason}), training ${h.seconds.toFixed(0)} s, held-out class accuracy ${(100 * t.heldOutAccuracy).toFixed(1)} %, weights sha256 ${t.weightsSha256}\n`);
  process.stdout.write(`${t.path}\n`);
}
