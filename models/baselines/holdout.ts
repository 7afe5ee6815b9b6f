/**
 * Holding subjects out of a baseline's fit: `--holdout-from CARD` takes the subject split another model
 * recorded on the same trial (a sequence model's `provenance.split`, its validation subjects), fits the
 * baseline to the training subjects only and records the same split on its own cards, so `qusop answer`'s
 * calibration check scores every model on the same held-out subjects.
 */
import { InputError } from '../../worker/common/errors.js';
import type { LoadedModel } from '../../worker/model/load-card.js';
import type { SubjectSummary } from './last-window.js';

export interface Holdout {
  /** the card the split came from: its name */
  readonly from: string;
  readonly trainIds: readonly number[];
  readonly valIds: readonly number[];
}

const ids = (v: unknown): number[] | undefined => (Array.isArray(v) && v.every((x) => Number.isInteger(x)) ? (v as number[]) : undefined);

/** The split of `m`, which must have been trained on the trial with sha256 `trialSha256`. */
export function holdoutFromCard(m: LoadedModel, givenPath: string, trialSha256: string): Holdout {
  const split = m.card.provenance['split'] as Record<string, unknown> | undefined;
  const trainIds = ids(split?.['train_ids']);
  const valIds = ids(split?.['val_ids']);
  if (trainIds === undefined || valIds === undefined) {
    throw new InputError(`--holdout-from ${givenPath}: field provenance.split has no train_ids/val_ids; expected a card that records its subject split (e.g. models/sequence-estdata/bilstm-qd.model.json)`, { details: { file: givenPath, field: 'provenance.split' } });
  }
  const data = m.card.provenance['data'] as Record<string, unknown> | undefined;
  if (data?.['sha256'] !== trialSha256) {
    throw new InputError(`--holdout-from ${givenPath}: field provenance.data.sha256: the card's split is of another trial (${String(data?.['sha256'])}); expected this trial's ${trialSha256}`, { details: { file: givenPath, field: 'provenance.data.sha256' } });
  }
  return { from: m.card.name, trainIds, valIds };
}

/** The subjects the baseline is fitted to: all but the held-out ones. */
export function trainingSubjects(subjects: readonly SubjectSummary[], holdout: Holdout | undefined): SubjectSummary[] {
  if (holdout === undefined) return [...subjects];
  const out = new Set(holdout.valIds);
  return subjects.filter((s) => !out.has(s.id));
}

export function splitProvenance(holdout: Holdout): Record<string, unknown> {
  return { by: `taken from ${holdout.from} (its validation subjects held out of the fit)`, train_ids: [...holdout.trainIds], val_ids: [...holdout.valIds] };
}
