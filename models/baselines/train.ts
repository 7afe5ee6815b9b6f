/**
 * `qusop train emax|logistic <trial.csv>`: reads and hashes the trial, summarises each subject's last
 * once-daily window (last-window.ts), fits the family, draws its parameter uncertainty from the seed
 * and writes `<family>-qd` / `<family>-qw` trajectory models. Every check runs before the output
 * directory is touched.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { InputError } from '../../worker/common/errors.js';
import { decodeText } from '../../worker/common/text-file.js';
import { loadModel } from '../../worker/model/load-card.js';
import { loadDataSpec, NO_SPEC } from '../ingest/data-spec.js';
import { parseTrial } from '../ingest/trial.js';
import { checkSeed } from '../sequence/seeded.js';
import { writeBaselineModels, type BaselineCardSpec } from './cards.js';
import { emaxCardSpec } from './emax-train.js';
import { clearanceFromCard } from './exposure.js';
import { holdoutFromCard, splitProvenance, trainingSubjects } from './holdout.js';
import { lastWindowSummaries } from './last-window.js';
import { logisticCardSpec } from './logistic-train.js';

export type BaselineFamily = 'emax' | 'logistic';
export const BASELINE_FAMILIES: readonly BaselineFamily[] = ['emax', 'logistic'];

export interface TrainBaselineOptions {
  readonly family: BaselineFamily;
  readonly trialPath: string;
  readonly dataSpecPath?: string;
  readonly outDir: string;
  readonly seed: number;
  /** emax: population PK card whose `log CL` gives the typical clearance */
  readonly pkCardPath: string;
  /** logistic: success is PD_LAST_MAX <= this */
  readonly thresholdNgMl: number;
  /** parameter-uncertainty draws on the cards (row 0 = the estimate) */
  readonly draws: number;
  /** emax: subjects scatter by the fit's residual sd (default); false: the typical-subject curve */
  readonly residual?: boolean;
  /** a card whose recorded subject split (validation subjects) is held out of the fit */
  readonly holdoutFromPath?: string;
}

export async function trainBaseline(o: TrainBaselineOptions): Promise<string[]> {
  checkSeed(o.seed);
  if (!(Number.isInteger(o.draws) && o.draws >= 1)) throw new InputError(`--draws ${o.draws}: expected a positive integer`, { details: { field: '--draws' } });
  if (!(Number.isFinite(o.thresholdNgMl) && o.thresholdNgMl > 0)) throw new InputError(`--threshold ${o.thresholdNgMl}: expected a positive number (ng/mL)`, { details: { field: '--threshold' } });
  let bytes: Buffer;
  try {
    bytes = await readFile(o.trialPath);
  } catch (err) {
    throw new InputError(`${o.trialPath}: cannot read the trial CSV (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err, details: { file: o.trialPath } });
  }
  const spec = o.dataSpecPath === undefined ? NO_SPEC : await loadDataSpec(o.dataSpecPath);
  const trial = parseTrial(decodeText(bytes, o.trialPath, 'trial CSV'), o.trialPath, spec);
  const data = { file: basename(o.trialPath), sha256: createHash('sha256').update(bytes).digest('hex') };
  const holdout = o.holdoutFromPath === undefined ? undefined : holdoutFromCard(await loadModel(o.holdoutFromPath), o.holdoutFromPath, data.sha256);
  const subjects = trainingSubjects(lastWindowSummaries(trial, o.family), holdout);
  let cardSpec: BaselineCardSpec;
  if (o.family === 'emax') {
    const cl = clearanceFromCard(await loadModel(o.pkCardPath), o.pkCardPath);
    cardSpec = emaxCardSpec(subjects, cl, data, o.seed, o.draws, o.residual ?? true);
  } else {
    cardSpec = logisticCardSpec(subjects, o.thresholdNgMl, data, o.seed, o.draws);
  }
  if (holdout !== undefined) cardSpec = { ...cardSpec, provenance: { ...cardSpec.provenance, split: splitProvenance(holdout) } };
  return writeBaselineModels(o.outDir, cardSpec);
}
