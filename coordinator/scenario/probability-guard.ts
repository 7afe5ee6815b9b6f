/**
 * A card with `outputs.p_success` (worker/model/card.ts) outputs the probability of one event, its
 * `success_event` (e.g. biomarker max <= 3.3 ng/mL over the window): it answers that question and no
 * other. Another threshold, statistic, comparison or endpoint, a threshold sweep or a safety endpoint
 * would count a probability trained for a different event, so the scenario is refused when compiled
 * (`qusop run`, `qusop answer`, the coordinator and SLURM runs alike) with the field that differs.
 */
import { InputError } from '../../worker/common/errors.js';
import type { ModelCard } from '../../worker/model/card.js';
import type { Comparison, Endpoint, WindowStatistic } from '../../worker/run-spec.js';

export interface ProbabilityAsk {
  readonly endpoint: Endpoint;
  readonly statistic: WindowStatistic;
  readonly comparison: Comparison;
  readonly thresholdNgMl: number;
  readonly sweep: boolean;
  readonly safety: boolean;
}

/** Throws a located InputError (`where`: `FILE: scenarios[i]`) when the scenario asks a p_success card another question. */
export function checkProbabilityCard(card: ModelCard, cardPath: string, ask: ProbabilityAsk, where: string): void {
  const event = card.success_event;
  if (card.outputs.p_success === undefined || event === undefined) return;
  const trained = `${event.endpoint} ${event.statistic} ${event.comparison} ${event.threshold_ng_ml} ng/mL`;
  const refuse = (field: string, what: string): never => {
    throw new InputError(`${where}.${field}: model ${cardPath} (${card.family}) outputs P(success) for ${trained} only; ${what}`, {
      details: { file: cardPath, field },
    });
  };
  if (ask.endpoint !== event.endpoint) refuse('endpoint', `this scenario asks endpoint ${ask.endpoint}`);
  if (ask.statistic !== event.statistic) refuse('statistic', `this scenario asks statistic ${ask.statistic}`);
  if (ask.comparison !== event.comparison) refuse('comparison', `this scenario asks comparison ${ask.comparison}`);
  if (!(Math.abs(ask.thresholdNgMl - event.threshold_ng_ml) <= 1e-9 * event.threshold_ng_ml)) {
    refuse('threshold', `this scenario asks ${ask.thresholdNgMl} ng/mL (train the model for that threshold)`);
  }
  if (ask.sweep) refuse('threshold_sweep', 'a threshold sweep reads it at other thresholds');
  if (ask.safety) refuse('safety', 'a safety endpoint reads it as a second question');
}
