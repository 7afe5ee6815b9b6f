/**
 * The caveat an answer carries when its model's card was exported from a degenerate fit (`qusop fit
 * --force`: the card's `diagnostics.degenerate` lists the problems, models/estimate/degeneracy.ts).
 * `qusop answer` itself never exports such a fit; given one with --model it runs it, but every answer
 * of that model says so loudly (flag `degenerate-fit` and a sentence naming the problems).
 */
import type { ModelCard } from '../../worker/model/card.js';
import type { Answer } from './answers.js';
import type { AnswerModel } from './models.js';

export const DEGENERATE_FIT = 'degenerate-fit';

/** The problem messages a card records (empty: a sound fit, or no fit record). */
export function cardDegeneracies(card: ModelCard): string[] {
  const list = card.diagnostics['degenerate'];
  if (!Array.isArray(list)) return [];
  return list.map((p: unknown) => (p !== null && typeof p === 'object' && typeof (p as { message?: unknown }).message === 'string' ? (p as { message: string }).message : JSON.stringify(p)));
}

export function withDegenerateCaveat(answer: Answer, models: readonly AnswerModel[]): Answer {
  const model = models.find((m) => m.label === answer.model.name);
  const problems = model === undefined ? [] : cardDegeneracies(model.cards[answer.regimen].card);
  if (problems.length === 0) return answer;
  const caveat = `Caveat: model ${answer.model.name} was exported from a degenerate fit (forced): ${problems.join('; ')}; this dose is not to be trusted.`;
  return { ...answer, flags: [...answer.flags, DEGENERATE_FIT], statement: `${answer.statement} ${caveat}` };
}
