/**
 * The calibration check of `qusop answer` (calibration.json): for the subjects calibration-subjects.ts
 * chooses (the sequence models' held-out subjects, the same for every model), compare each model's
 * predicted success in the last observed QD window (calibration-predict.ts, from dose/BW/COMED only)
 * with the observed success there, and score it (calibration-score.ts). All trial subjects are scored
 * too, labelled in-sample, because a dozen subjects say little on their own.
 *
 * What the comparison cannot escape (stated in the file and the report): observed success is "all of a
 * handful of noisy PD measurements <= threshold" on day 21, not the true trajectory's maximum at steady
 * state; with PD noise of ~0.75 ng/mL a subject near the threshold can fall on either side. Only QD is
 * checked: the trial has no weekly dosing.
 */
import { cardPdUnit, DEFAULT_BIOMARKER_UNIT } from '../../worker/model/biomarker-unit.js';
import { modelsPdUnit } from '../answer/threshold-units.js';
import { join } from 'node:path';
import type { Trial } from '../../models/ingest/trial.js';
import type { Logger } from '../../worker/common/log.js';
import { writeFileAtomic } from '../../coordinator/store/atomic-file.js';
import { chooseSubjects, observedLastWindows, type ModelRelation, type ObservedWindow } from './calibration-subjects.js';
import { DEFAULT_PREDICTION_DRAWS, predictSuccessWithCard, type PredictionDraws, type SubjectPredictions } from './calibration-predict.js';
import { calibrationScore, type CalibrationScore } from './calibration-score.js';
import type { AnswerModel } from '../answer/models.js';
import { assessCalibration, type CalibrationAssessment } from './calibration-assessment.js';

export const CALIBRATION_JSON = 'calibration.json';
const QD_TAU_H = 24;

export interface ModelCalibration extends ModelRelation {
  readonly family: string;
  readonly card: string;
  /** how the predicted success probability was computed, in words */
  readonly prediction: string;
  readonly theta_draws: number;
  readonly eta_draws: number;
  /** the chosen subjects */
  readonly score: CalibrationScore;
  /** every trial subject with a window (in-sample for any model fitted or trained on the trial) */
  readonly score_all_subjects: CalibrationScore;
  /** the chosen subjects: recalibration, ECE, AUC, Hosmer–Lemeshow, strata and the paper's gates */
  readonly assessment: CalibrationAssessment;
}

/** One subject in calibration.json (snake_case like answers.json). */
export interface CalibrationSubjectRow {
  readonly id: number;
  readonly arm_dose_mg: number;
  /** the last dose's amount: the once-daily dose the models are asked about */
  readonly dose_mg: number;
  readonly bw_kg: number;
  readonly comed: 0 | 1;
  readonly window_start_h: number;
  readonly window_end_h: number;
  readonly observations: number;
  readonly observed_max_ng_ml: number;
  readonly observed_success: 0 | 1;
  /** one of the subjects scored (held out) */
  readonly chosen: boolean;
  /** model label -> predicted probability of success */
  readonly predicted: Readonly<Record<string, number>>;
}

function subjectRow(s: ObservedWindow, chosen: boolean, predicted: Record<string, number>): CalibrationSubjectRow {
  return {
    id: s.id, arm_dose_mg: s.armDoseMg, dose_mg: s.doseMg, bw_kg: s.bwKg, comed: s.comed, window_start_h: s.windowStartH, window_end_h: s.windowEndH,
    observations: s.observations, observed_max_ng_ml: s.observedMaxNgMl, observed_success: s.observedSuccess, chosen, predicted,
  };
}

export interface CalibrationResult {
  readonly schema: 'qusop.calibration/v1';
  readonly threshold_ng_ml: number;
  /** the biomarker's unit (the cards' units.pd) when it is not ng/mL: threshold_ng_ml and the observed maxima are in it */
  readonly pd_unit?: string;
  readonly window: string;
  readonly observed_success: string;
  readonly subjects_source: string;
  readonly subject_ids: readonly number[];
  readonly caveats: readonly string[];
  readonly models: readonly ModelCalibration[];
  readonly subjects: readonly CalibrationSubjectRow[];
  /** chosen subjects left out for lack of observations in their window */
  readonly without_observations: readonly number[];
}

export interface CalibrationSkipped {
  readonly schema: 'qusop.calibration/v1';
  readonly skipped: string;
}

export const isSkipped = (c: CalibrationResult | CalibrationSkipped): c is CalibrationSkipped => 'skipped' in c;

export interface CalibrationOptions extends Partial<Omit<PredictionDraws, 'seed'>> {
  readonly seed: number;
  readonly thresholdNgMl: number;
  readonly logger: Logger;
}

function predictionText(m: AnswerModel, p: SubjectPredictions): string {
  if (p.thetaDraws === 1 && p.etaDraws === 1) return 'its deterministic trajectory for the subject\'s dose, BW and COMED (0 or 1)';
  const over = [p.etaDraws > 1 ? `${p.etaDraws} random-effect draws` : '', p.thetaDraws > 1 ? `${p.thetaDraws} parameter-uncertainty draws` : ''].filter((s) => s !== '').join(' x ');
  return `probability over ${over} for the subject's dose, BW and COMED (population prediction; the subject's own data are not used)${m.testModel ? ' — TEST MODEL' : ''}`;
}

/** The PD residual SD a fitted card records (provenance.population.sigma.pdAdditive), in words. */
function noiseText(models: readonly AnswerModel[]): string {
  for (const m of models) {
    const pop = m.cards.qd.card.provenance['population'];
    const sigma = typeof pop === 'object' && pop !== null ? (pop as { sigma?: { pdAdditive?: unknown } }).sigma?.pdAdditive : undefined;
    if (typeof sigma === 'number') return `residual SD ${sigma.toFixed(2)} ${cardPdUnit(m.cards.qd.card)} in the ${m.label} fit`;
  }
  return 'no fitted residual SD on the cards; EstData\'s is ~0.5-0.75 ng/mL';
}

export async function calibrationCheck(trial: Trial, trialSha256: string, models: readonly AnswerModel[], opts: CalibrationOptions): Promise<CalibrationResult | CalibrationSkipped> {
  const allIds = trial.subjects.map((s) => s.id);
  const pdUnit = modelsPdUnit(models);
  const choice = chooseSubjects(models, allIds, trialSha256);
  const windows = observedLastWindows(trial, allIds, QD_TAU_H, opts.thresholdNgMl);
  if (windows === undefined) return { schema: 'qusop.calibration/v1', skipped: `${trial.file}: no subject has a dose record, so there is no dosing window to check` };
  const chosen = new Set(choice.ids);
  const subjects = windows.subjects;
  if (!subjects.some((s) => chosen.has(s.id))) return { schema: 'qusop.calibration/v1', skipped: `none of the chosen subjects (${choice.source}) has PD observations in the last dosing window` };
  const draws: PredictionDraws = { seed: opts.seed, etaPerTheta: opts.etaPerTheta ?? DEFAULT_PREDICTION_DRAWS.etaPerTheta, maxThetaDraws: opts.maxThetaDraws ?? DEFAULT_PREDICTION_DRAWS.maxThetaDraws };
  const predicted = new Map<string, readonly number[]>();
  const results: ModelCalibration[] = [];
  for (const m of models) {
    const pred = await predictSuccessWithCard(m.cards.qd.cardPath, subjects, opts.thresholdNgMl, draws, opts.logger);
    predicted.set(m.label, pred.p);
    const relation = choice.relations.find((r) => r.model === m.label) ?? { model: m.label, relation: 'not-fitted-here' as const, note: '' };
    const mine = subjects.map((s, i) => ({ s, p: pred.p[i] ?? NaN }));
    const scored = mine.filter((x) => chosen.has(x.s.id));
    results.push({
      ...relation, family: m.family, card: m.cards.qd.cardPath, prediction: predictionText(m, pred), theta_draws: pred.thetaDraws, eta_draws: pred.etaDraws,
      score: calibrationScore(scored.map((x) => x.p), scored.map((x) => x.s.observedSuccess)),
      score_all_subjects: calibrationScore(mine.map((x) => x.p), mine.map((x) => x.s.observedSuccess)),
      assessment: assessCalibration(scored.map((x) => ({ p: x.p, y: x.s.observedSuccess, bwKg: x.s.bwKg, categorical: { COMED: x.s.comed } })), {
        // a fraction out of R x M trajectories: its continuity-corrected extremes are 0.5 / (R M) and 1 - 0.5 / (R M)
        logitClip: 0.5 / (pred.thetaDraws * pred.etaDraws),
        hlDegreesOfFreedom: relation.relation === 'in-sample' ? 'in-sample' : 'held-out',
      }),
    });
  }
  return {
    schema: 'qusop.calibration/v1',
    threshold_ng_ml: opts.thresholdNgMl,
    ...(pdUnit === DEFAULT_BIOMARKER_UNIT ? {} : { pd_unit: pdUnit }),
    window: `each subject's last QD dosing window [t0, t0 + ${QD_TAU_H} h] (t0 = last dose; placebo: the trial's last dosing time, the same hours); models predict the steady-state QD window for the subject's last dose`,
    observed_success: `every PD observation in the window <= ${opts.thresholdNgMl} ${pdUnit}`,
    subjects_source: choice.source,
    subject_ids: subjects.filter((s) => chosen.has(s.id)).map((s) => s.id),
    caveats: [
      `Observed success is judged on a few noisy PD measurements (${noiseText(models)}), not on the true trajectory's maximum: noise pushes observed maxima up, sparse sampling pulls them down, and a subject near the threshold can land on either side by chance.`,
      'The window is the last one observed (day 21 in EstData); the models predict steady state. With a long half-life (~5 days for EstData: ~94 % of steady state after 20 days) the models should predict slightly more suppression than observed.',
      'Only QD can be checked: the trial has no weekly dosing, so QW predictions (and all doses above the highest arm) have no observed counterpart here.',
      `${choice.ids.length} subjects give wide intervals: treat the Brier scores as a sanity check, not a ranking; a gate whose 95 % interval straddles its threshold is "inconclusive", never a pass.`,
    ],
    models: results,
    subjects: subjects.map((s, i) => subjectRow(s, chosen.has(s.id), Object.fromEntries(models.map((m) => [m.label, predicted.get(m.label)?.[i] ?? NaN])))),
    without_observations: windows.withoutObservations.filter((id) => chosen.has(id)),
  };
}

export async function writeCalibrationJson(dir: string, result: CalibrationResult | CalibrationSkipped): Promise<string> {
  const path = join(dir, CALIBRATION_JSON);
  await writeFileAtomic(path, `${JSON.stringify(result, null, 2)}\n`);
  return path;
}

/** A few lines of the result for answers.json (the full table is calibration.json). */
export function calibrationSummary(result: CalibrationResult | CalibrationSkipped): Record<string, unknown> {
  if (isSkipped(result)) return { file: CALIBRATION_JSON, skipped: result.skipped };
  return {
    file: CALIBRATION_JSON,
    subjects: result.subject_ids,
    subjects_source: result.subjects_source,
    models: result.models.map((m) => ({
      model: m.model, relation: m.relation, brier: m.score.brier, predicted_rate: m.score.predicted_rate, observed_rate: m.score.observed_rate, n: m.score.n,
      gate_status: m.assessment.gate_status,
      gates: m.assessment.gates.map((g) => ({ gate: g.gate, rule: g.rule, estimate: g.estimate, ci: g.ci, p_value: g.p_value, verdict: g.verdict, why: g.why })),
      ece: Object.fromEntries(m.assessment.ece.map((e) => [`bins_${e.bins}`, e.ece])),
    })),
  };
}
