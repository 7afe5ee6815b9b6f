/**
 * The selector applied to a real trial: its class probabilities over the default PK structures, the
 * shortlist (every class with probability >= SHORTLIST_CUT, at least the SHORTLIST_MIN most probable)
 * and the regressed typical values of each shortlisted class (natural scale). Weights trained for
 * another design are refused, naming the field and the command that retrains them: the features'
 * meaning (which subjects, which token is which sample) is the design's.
 */
import { InputError } from '../../worker/common/errors.js';
import type { Trial } from '../ingest/trial.js';
import { STRUCTURES, type StructureId } from '../structures/structure.js';
import { tf, readyTf } from '../sequence/tf-runtime.js';
import { designSha256, trialTokens, type TrialTokens } from './features.js';
import { forward, makeParams } from './encoder.js';
import { selectorClasses } from './train.js';
import type { LoadedSelector } from './weights-file.js';

/** A class is shortlisted at this predicted probability or above (a 1-in-10 chance is not ruled out). */
export const SHORTLIST_CUT = 0.1;
/** ... and the most probable SHORTLIST_MIN classes always are. */
export const SHORTLIST_MIN = 2;

export interface SelectorProposal {
  /** every class with its probability, in the weights' class order */
  readonly probabilities: readonly { readonly structure: StructureId; readonly p: number }[];
  /** shortlisted classes, most probable first */
  readonly shortlist: readonly StructureId[];
  /** regressed typical values (natural scale) of each shortlisted class's PK parameters */
  readonly typicalValues: Readonly<Partial<Record<StructureId, Readonly<Record<string, number>>>>>;
  readonly weights: { readonly path: string; readonly sha256: string };
}

/** Indices of the shortlisted classes, most probable first (ties: class order). */
export function shortlistRule(p: readonly number[], cut = SHORTLIST_CUT, min = SHORTLIST_MIN): number[] {
  const order = p.map((_, i) => i).sort((a, b) => p[b]! - p[a]! || a - b);
  return order.filter((i, rank) => rank < min || p[i]! >= cut);
}

export async function proposeStructures(sel: LoadedSelector, trial: Trial): Promise<SelectorProposal> {
  const f = sel.file;
  const classes = selectorClasses(trial).map((c) => c.id);
  if (classes.join(',') !== f.classes.join(',')) throw new InputError(`${sel.path}: classes: trained for ${f.classes.join(', ')}, but ${trial.file}'s default PK structures are ${classes.join(', ')}; run \`qusop train selector ${trial.file} --out DIR\` and pass --selector DIR`, { details: { file: sel.path, field: 'classes' } });
  const sha = designSha256(trial);
  if (sha !== f.design.sha256 || f.design.subjects_read.some((i) => i >= trial.subjects.length)) {
    throw new InputError(`${sel.path}: design.sha256: trained for the design of ${f.design.file} (doses, sampling times, covariates of its subjects ${f.design.subjects_read.join(', ')}), but ${trial.file}'s design differs; run \`qusop train selector ${trial.file} --out DIR\` (a few minutes) and pass --selector DIR`, { details: { file: sel.path, field: 'design.sha256' } });
  }
  const { probs, reg } = (await selectorOutputs(sel, [trialTokens(trial, f.design.subjects_read, f.normalisation)]))[0]!;
  const picked = shortlistRule(probs);
  const typicalValues = Object.fromEntries(picked.map((i) => {
    const s = STRUCTURES.find((x) => x.id === f.classes[i])!;
    const values = Object.fromEntries(f.regressed.flatMap((name, j) => ((s.absent as Record<string, number | undefined>)[name] === undefined ? [[name, f.centres[j]! * f.spread ** Math.max(-1, Math.min(1, reg[j]!))]] : [])));
    return [f.classes[i]!, values];
  }));
  return { probabilities: f.classes.map((structure, i) => ({ structure, p: probs[i]! })), shortlist: picked.map((i) => f.classes[i]!), typicalValues, weights: { path: sel.path, sha256: f.weights_sha256 } };
}

/** Class probabilities and regression outputs for trials' tokens (all of one design), one forward pass each. */
export async function selectorOutputs(sel: LoadedSelector, trials: readonly TrialTokens[]): Promise<{ probs: number[]; reg: number[] }[]> {
  await readyTf();
  const shape = sel.file.shape;
  const params = makeParams(shape, sel.values);
  const out = trials.map((tokens) => tf.tidy(() => {
    const o = forward(params, shape, tf.tensor4d(tokens.x, [1, tokens.subjects, tokens.tokens, shape.features]), tf.tensor3d(tokens.mask, [1, tokens.subjects, tokens.tokens]));
    return { probs: Array.from(tf.softmax(o.logits).dataSync()), reg: Array.from(o.regression.dataSync()) };
  }));
  for (const v of Object.values(params)) v.dispose();
  return out;
}
