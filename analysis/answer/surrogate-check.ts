/**
 * Models whose `pd` is not a biomarker but a success surrogate (the logistic baseline,
 * models/baselines/logistic-model.ts): their output is <= the threshold they were trained at exactly
 * when a virtual subject succeeds, and means nothing for another threshold or comparison. Such a card
 * names its question in `provenance.success_surrogate`; a question that asks anything else is refused
 * before the answer directory is touched (pure). A p_success card (worker/model/card.ts) is checked the
 * same way against its `success_event` (its statistic is checked when the scenarios are compiled).
 */
import { z } from 'zod';
import { InputError } from '../../worker/common/errors.js';
import type { ModelCard } from '../../worker/model/card.js';
import type { AnswerModel } from './models.js';

const SurrogateSchema = z.object({ endpoint: z.literal('biomarker'), comparison: z.literal('<='), threshold_ng_ml: z.number().positive() });
export type SuccessSurrogate = z.infer<typeof SurrogateSchema>;

export function successSurrogate(card: ModelCard): SuccessSurrogate | undefined {
  const raw = card.provenance['success_surrogate'];
  if (raw === undefined) return undefined;
  const parsed = SurrogateSchema.safeParse(raw);
  if (!parsed.success) throw new InputError(`model card "${card.name}": field provenance.success_surrogate: expected { endpoint: biomarker, comparison: "<=", threshold_ng_ml }`, { details: { field: 'provenance.success_surrogate' } });
  return parsed.data;
}

/** What one question asks of a model's output. */
export interface Ask {
  /** e.g. `question q1`, `the five questions` */
  readonly what: string;
  readonly endpoint: 'biomarker' | 'concentration';
  readonly comparison: '<=' | '>=';
  readonly thresholdNgMl: number | undefined;
  /** where the ask comes from, for the message: a file and field */
  readonly where: string;
}

export function checkSurrogates(models: readonly AnswerModel[], asks: readonly Ask[]): void {
  for (const m of models) {
    for (const { cardPath, card } of [m.cards.qd, m.cards.qw]) {
      // a p_success card (models/qcnn) answers only its success_event, like a surrogate its threshold
      const s = successSurrogate(card) ?? card.success_event;
      if (s === undefined) continue;
      const outputs = card.success_event === undefined ? 'a success surrogate that' : 'P(success) of an event and';
      for (const ask of asks) {
        const same = ask.endpoint === s.endpoint && ask.comparison === s.comparison && ask.thresholdNgMl !== undefined && Math.abs(ask.thresholdNgMl - s.threshold_ng_ml) <= 1e-9 * s.threshold_ng_ml;
        if (!same) {
          throw new InputError(
            `${ask.where}: ${ask.what} asks ${ask.endpoint} ${ask.comparison} ${ask.thresholdNgMl ?? '?'} ng/mL, but --model ${cardPath} (${card.family}) outputs ${outputs} answers only biomarker ${s.comparison} ${s.threshold_ng_ml} ng/mL (retrain it with that threshold)`,
            { details: { file: cardPath, field: card.success_event === undefined ? 'provenance.success_surrogate' : 'success_event' } },
          );
        }
      }
    }
  }
}
