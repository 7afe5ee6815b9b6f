/**
 * What each model in a comparison is and what it assumes about the virtual population, in words
 * derived from its cards (pure): kind, how virtual subjects differ (random effects or covariates only),
 * whether parameter uncertainty is in the bands, what data it was fitted/trained on, and where it
 * extrapolates. Written into answers.json (`models`) and the report's model comparison, so a reader
 * of any one dose knows whether it came from a mechanistic fit with parameter draws or from a sequence
 * model without them, running beyond the trial's doses and regimen.
 */
import type { ModelCard } from '../../worker/model/card.js';
import { cardDataSha256, cardSplit } from './card-provenance.js';
import type { AnswerModel } from './models.js';
import { structureSource } from './structure-source.js';

export type ModelKind = 'mechanistic population model' | 'quantum-kernel covariate model' | 'success classifier' | 'sequence model' | 'classical baseline' | 'test model' | 'trajectory model';

export interface ModelNote {
  readonly model: string;
  readonly family: string;
  readonly kind: ModelKind;
  /** which structure and what chose it (the likelihood, a learned selector's shortlist, or nothing on record: structure-source.ts) */
  readonly structure: string;
  /** how virtual subjects differ from each other under this model */
  readonly between_subjects: string;
  readonly parameter_uncertainty: string;
  readonly data: string;
  readonly extrapolation: string;
}

export interface TrialFacts {
  readonly file: string;
  readonly sha256: string;
  readonly subjects: number;
  /** the trial's nominal arm doses (mg, once daily), ascending */
  readonly armsMg: readonly number[];
}

function kindOf(m: AnswerModel, card: ModelCard): ModelKind {
  if (m.testModel) return 'test model';
  if (/^baseline-/.test(m.family)) return 'classical baseline';
  if (card.outputs.p_success !== undefined) return 'success classifier';
  if (/^quantum-kernel/i.test(m.family)) return 'quantum-kernel covariate model';
  if (/lstm|sequence|transformer|rnn/i.test(m.family) || cardSplit(card) !== undefined) return 'sequence model';
  if (/mechanistic|cmt|pkpd|popmodel/i.test(m.family) || card.inputs.eta !== undefined) return 'mechanistic population model';
  return 'trajectory model';
}

const mgList = (xs: readonly number[]): string => `${xs.join(', ')} mg`;

/**
 * Where the card's parameter draws came from (`qusop fit --uncertainty`): "; uncertainty: hmc (...)" with
 * the posterior's diagnostics, "; uncertainty: fisher" for `qusop fit`'s Fisher-information draws, "" otherwise
 * (no draws, or draws a card's provenance names otherwise: imported covariances, baselines).
 */
function uncertaintySource(card: ModelCard, draws: number): string {
  if (draws <= 1) return '';
  const u = card.provenance['uncertainty'];
  const rec = u !== null && typeof u === 'object' ? (u as Record<string, unknown>) : {};
  if (rec['source'] !== 'hmc') return typeof rec['method'] === 'string' && rec['method'].includes('Fisher information') ? '; uncertainty: fisher (N(estimate, inverse Fisher information))' : '';
  const d = rec['diagnostics'] !== null && typeof rec['diagnostics'] === 'object' ? (rec['diagnostics'] as Record<string, unknown>) : {};
  const num = (k: string): string => (typeof d[k] === 'number' ? Number((d[k] as number).toPrecision(3)).toString() : '?');
  return `; uncertainty: hmc (posterior by NUTS; max R-hat ${num('max_rhat')}, min bulk ESS ${num('min_ess_bulk')}, ${num('divergences')} divergences${d['flagged'] === true ? '; FLAGGED: not a usable posterior' : ''})`;
}

export function modelNote(m: AnswerModel, trial: TrialFacts): ModelNote {
  const card = m.cards.qd.card;
  const kind = kindOf(m, card);
  const eta = card.inputs.eta;
  const draws = card.inputs.theta?.draws.length ?? 0;
  const between = eta === undefined
    ? 'only by body weight and COMED (no random effects): subjects with the same covariates get the same trajectory'
    : `by body weight, COMED and ${eta.dim} random effect${eta.dim > 1 ? 's' : ''}${eta.names === undefined ? '' : ` (${eta.names.join(', ')})`} drawn from the model's between-subject distribution`;
  const uncertainty = draws > 1
    ? `${draws} parameter-uncertainty draws (replicate r uses draw r mod ${draws}): bands and intervals include the uncertainty of the fit`
    : 'none: bands and intervals reflect population sampling only, which understates the uncertainty of a model fitted to a small trial';
  const source = uncertaintySource(card, draws);
  const split = cardSplit(card);
  const sameTrial = cardDataSha256(card) === trial.sha256;
  const data = !sameTrial
    ? (m.testModel ? 'none (closed-form test model)' : 'not this trial (the card names other data or none)')
    : split === undefined
      ? `fitted to all ${trial.subjects} subjects of ${trial.file}`
      : kind === 'classical baseline'
        ? `fitted to ${split.train.length} subjects of ${trial.file}; ${split.val.length} held out (another model's validation subjects)`
        : `trained on ${split.train.length} subjects of ${trial.file}; ${split.val.length} held out for validation (early stopping)`;
  const top = Math.max(0, ...trial.armsMg);
  const extrapolation = kind === 'sequence model'
    ? `learnt from each subject's last once-daily window at ${mgList(trial.armsMg)}: QD doses above ${top} mg and every once-weekly prediction (the QD network run on t/168 with weekly dose/BW) are extrapolation with no mechanism behind them`
    : kind === 'mechanistic population model'
      ? `doses above ${top} mg and the once-weekly regimen are extrapolated through the fitted mechanism (PK compartments + PD response): credible as far as the mechanism holds`
      : kind === 'quantum-kernel covariate model'
        ? `the fitted mechanism with each subject's random effects predicted from BW and COMED by quantum-kernel ridge regression on the fit's individual estimates: doses above ${top} mg and the once-weekly regimen extrapolate through the mechanism, covariates outside the trial's range extrapolate the kernel`
      : kind === 'success classifier'
        ? `P(success) from a classifier trained on observed success in each subject's last once-daily window at ${mgList(trial.armsMg)}; its input window comes from the fitted PK model, the classifier itself has no mechanism: QD doses above ${top} mg and the once-weekly regimen are outside what it was trained on`
      : kind === 'classical baseline'
        ? `fitted to each subject's last once-daily window at ${mgList(trial.armsMg)}, with no time course (the window is one value): QD doses above ${top} mg extrapolate the fitted curve, and the once-weekly card is the once-daily model at the same average daily dose (fluctuation within the week ignored)`
      : kind === 'test model'
        ? 'not pharmacology: checks the engine against a known answer'
        : 'unknown: the card does not say how the model was built';
  // an IV infusion regimen (models/export/infusion-regimen.ts) is said, so no reader takes the doses for boluses
  const infusion = card.regimen.infusion_h === undefined ? '' : `; every dose of the swept regimens is a ${card.regimen.infusion_h} h IV infusion, as in the trial`;
  const structure = kind === 'mechanistic population model' ? structureSource(card) : `no structure selection (a ${kind})`;
  return { model: m.label, family: m.family, kind, structure, between_subjects: between, parameter_uncertainty: uncertainty + source, data, extrapolation: extrapolation + infusion };
}

export function modelNotes(models: readonly AnswerModel[], trial: TrialFacts): ModelNote[] {
  return models.map((m) => modelNote(m, trial));
}
