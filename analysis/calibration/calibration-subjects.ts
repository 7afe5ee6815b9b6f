/**
 * Who the calibration check looks at, and what was observed for them (pure).
 *
 * Subjects: the validation subjects of the sequence models' training split (card provenance
 * `split.val_ids`, only when the card's training data is this very trial), the same set for every
 * model so the comparison is fair. Several splits: their intersection. No split: every trial subject,
 * labelled in-sample. Each model's relation to the chosen subjects is stated (held out / in-sample /
 * not fitted to this trial), because a population model fitted to all 48 subjects has seen them.
 *
 * Observed success: every PD observation in the subject's last dosing window [t0, t0 + tau] (t0 = last
 * dose; placebo: the trial's latest last-dose time, the same hours) is <= the threshold. Single noisy
 * measurements at a few times, not the true trajectory's maximum (see calibration-check.ts).
 */
import type { Trial } from '../../models/ingest/trial.js';
import type { ModelCard } from '../../worker/model/card.js';
import { cardDataSha256, cardSplit } from '../answer/card-provenance.js';
import type { AnswerModel } from '../answer/models.js';

export type SubjectRelation = 'held-out' | 'in-sample' | 'not-fitted-here';

export interface ModelRelation {
  readonly model: string;
  readonly relation: SubjectRelation;
  /** in words, for the report */
  readonly note: string;
}

export interface SubjectChoice {
  /** trial IDs, ascending */
  readonly ids: readonly number[];
  /** where the IDs come from, in words */
  readonly source: string;
  readonly relations: readonly ModelRelation[];
}

export function chooseSubjects(models: readonly AnswerModel[], trialIds: readonly number[], trialSha256: string): SubjectChoice {
  const inTrial = new Set(trialIds);
  const splits = models.flatMap((m) => {
    const card = m.cards.qd.card;
    const split = cardSplit(card);
    return split !== undefined && cardDataSha256(card) === trialSha256 ? [{ model: m.label, split }] : [];
  });
  let ids = [...trialIds];
  let source = `all ${trialIds.length} trial subjects (no model card records a training split on this trial)`;
  if (splits.length > 0) {
    const common = [...trialIds].filter((id) => splits.every((s) => s.split.val.includes(id)));
    if (common.length > 0) {
      ids = common;
      const names = splits.map((s) => s.model).join(', ');
      source = splits.length === 1
        ? `the ${common.length} validation subjects of the training split recorded on the ${names} card`
        : `the ${common.length} validation subjects shared by the training splits recorded on the ${names} cards`;
    } else {
      source = `all ${trialIds.length} trial subjects (the recorded training splits share no validation subject)`;
    }
  }
  ids = ids.filter((id) => inTrial.has(id)).sort((a, b) => a - b);
  return { ids, source, relations: models.map((m) => relationOf(m, ids, trialIds.length, trialSha256)) };
}

function relationOf(m: AnswerModel, ids: readonly number[], trialSubjects: number, trialSha256: string): ModelRelation {
  const card = m.cards.qd.card;
  const sha = cardDataSha256(card);
  if (sha !== trialSha256) {
    const what = m.testModel ? 'a test model, fitted to no data' : sha === undefined ? 'its card records no training data' : 'trained/fitted on other data';
    return { model: m.label, relation: 'not-fitted-here', note: `not fitted to this trial (${what})` };
  }
  const split = cardSplit(card);
  if (split === undefined) {
    return { model: m.label, relation: 'in-sample', note: `fitted to all ${trialSubjects} trial subjects, these included (in-sample)` };
  }
  const trained = ids.filter((id) => split.train.includes(id));
  if (trained.length > 0) {
    return { model: m.label, relation: 'in-sample', note: `trained on ${trained.length} of these ${ids.length} subjects (in-sample)` };
  }
  return {
    model: m.label,
    relation: 'held-out',
    note: `held out from training (${split.train.length} training subjects); used as its validation set, i.e. for early stopping`,
  };
}

export interface ObservedWindow {
  readonly id: number;
  /** the arm's nominal dose (DOSE column), mg */
  readonly armDoseMg: number;
  /** the amount of the last dose (0 for placebo): the once-daily dose the models are asked about */
  readonly doseMg: number;
  readonly bwKg: number;
  readonly comed: 0 | 1;
  readonly windowStartH: number;
  readonly windowEndH: number;
  readonly observations: number;
  readonly observedMaxNgMl: number;
  readonly observedSuccess: 0 | 1;
}

export interface ObservedWindows {
  readonly subjects: readonly ObservedWindow[];
  /** chosen subjects without a PD observation in their window (left out, named in the report) */
  readonly withoutObservations: readonly number[];
}

/** Last QD window per chosen subject; undefined when no subject of the trial was dosed (no window exists). */
export function observedLastWindows(trial: Trial, ids: readonly number[], tauH: number, thresholdNgMl: number): ObservedWindows | undefined {
  const lastDose = (s: Trial['subjects'][number]): number | undefined => s.doses[s.doses.length - 1]?.timeH;
  const dosed = trial.subjects.map(lastDose).filter((t): t is number => t !== undefined);
  if (dosed.length === 0) return undefined;
  const nominalStartH = Math.max(...dosed);
  const subjects: ObservedWindow[] = [];
  const withoutObservations: number[] = [];
  for (const id of ids) {
    const s = trial.subjects.find((x) => x.id === id);
    if (s === undefined) continue;
    const startH = lastDose(s) ?? nominalStartH;
    const endH = startH + tauH;
    const values = s.pd.filter((o) => o.timeH >= startH && o.timeH <= endH).map((o) => o.dv);
    if (values.length === 0) {
      withoutObservations.push(id);
      continue;
    }
    const max = Math.max(...values);
    subjects.push({
      id, armDoseMg: s.doseMg, doseMg: s.doses[s.doses.length - 1]?.amtMg ?? 0, bwKg: s.bwKg, comed: s.comed,
      windowStartH: startH, windowEndH: endH, observations: values.length, observedMaxNgMl: max, observedSuccess: max <= thresholdNgMl ? 1 : 0,
    });
  }
  return { subjects, withoutObservations };
}
