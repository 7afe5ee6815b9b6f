/**
 * What a model card says about the data behind it (pure): the sha256 of the trial it was fitted or
 * trained on, and the subject split of a sequence model's training. Read by the model notes (what each
 * model is) and by the calibration check (which subjects are held out).
 */
import type { ModelCard } from '../../worker/model/card.js';

export interface Split {
  readonly train: readonly number[];
  readonly val: readonly number[];
}

const intList = (v: unknown): number[] | undefined => (Array.isArray(v) && v.every((x) => Number.isInteger(x)) ? (v as number[]) : undefined);

function record(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** sha256 of the data the card was fitted / trained on, when the card records it. */
export function cardDataSha256(card: ModelCard): string | undefined {
  const sha = record(card.provenance['data'])?.['sha256'];
  return typeof sha === 'string' ? sha : undefined;
}

/** The card's subject split (provenance.split.train_ids / val_ids), when it records one. */
export function cardSplit(card: ModelCard): Split | undefined {
  const split = record(card.provenance['split']);
  const train = intList(split?.['train_ids']);
  const val = intList(split?.['val_ids']);
  return train === undefined || val === undefined ? undefined : { train, val };
}
