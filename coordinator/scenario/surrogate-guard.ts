/**
 * A card whose `pd` is a success surrogate, not a biomarker (the logistic baseline: models/baselines/
 * logistic-model.ts; `provenance.success_surrogate` names the one question it answers), may only be
 * asked that question: biomarker <= its threshold, no threshold sweep, no safety endpoint. Checked
 * when any scenario is compiled, so `qusop run`, the coordinator and SLURM runs refuse it as `qusop
 * answer` does (analysis/answer/surrogate-check.ts) instead of counting a meaningless statistic.
 */
import { InputError } from '../../worker/common/errors.js';
import type { ModelCard } from '../../worker/model/card.js';

export interface SurrogateAsk {
  readonly endpoint: 'biomarker' | 'concentration';
  readonly comparison: '<=' | '>=';
  readonly thresholdNgMl: number;
  readonly sweep: boolean;
  readonly safety: boolean;
}

/** Throws a located InputError (`where`: `FILE: scenarios[i]`) when the card is a surrogate for another question. */
export function checkSurrogateCard(card: ModelCard, cardPath: string, ask: SurrogateAsk, where: string): void {
  const raw = card.provenance['success_surrogate'] as { endpoint?: unknown; comparison?: unknown; threshold_ng_ml?: unknown } | undefined;
  if (raw === undefined) return;
  const threshold = typeof raw.threshold_ng_ml === 'number' ? raw.threshold_ng_ml : NaN;
  const refuse = (field: string, what: string): never => {
    throw new InputError(`${where}.${field}: model ${cardPath} (${card.family}) outputs a success surrogate that answers only biomarker <= ${threshold} ng/mL; ${what}`, { details: { file: cardPath, field } });
  };
  if (ask.endpoint !== 'biomarker' || ask.comparison !== '<=') refuse(ask.endpoint !== 'biomarker' ? 'endpoint' : 'comparison', `this scenario asks ${ask.endpoint} ${ask.comparison}`);
  if (!(Math.abs(ask.thresholdNgMl - threshold) <= 1e-9 * threshold)) refuse('threshold', `this scenario asks ${ask.thresholdNgMl} ng/mL (retrain the model at that threshold)`);
  if (ask.sweep) refuse('threshold_sweep', 'a threshold sweep reads it at other thresholds');
  if (ask.safety) refuse('safety', 'a safety endpoint reads it as a second question');
}
