/**
 * The load-time determinism probe: a trajectory model must be a pure function of its inputs (the
 * engine's random numbers come in through eta and theta), or the same tile gives different bytes on
 * different attempts and workers and nothing downstream can tell. A small fixed batch goes through
 * the headed session twice; any difference in the head's outputs refuses the model at load, before
 * a tile is computed. Cost: two session.run calls of PROBE_ROWS rows.
 */
import type * as ort from 'onnxruntime-node';
import { ModelError } from '../common/errors.js';
import type { ModelCard } from '../model/card.js';
import { HEAD_INPUTS, HEAD_OUTPUTS } from './reduction-head.js';
import { SAFETY_INPUT, SWEEP_INPUT } from './head-extras.js';

/** rows of the probe batch (fewer when the card allows fewer per run): cheap against any model's load time */
export const PROBE_ROWS = 16;

/** ONNX operators that draw random numbers: named in the refusal when the graph has them. */
const RANDOM_OPS = new Set(['RandomUniform', 'RandomUniformLike', 'RandomNormal', 'RandomNormalLike', 'Multinomial', 'Bernoulli']);

/** A fixed, plausible batch: doses 1..16 mg, body weights 50..95 kg, COMED alternating, eta in [-1, 1]. */
export function probeFeeds(card: ModelCard, tensor: typeof ort.Tensor, n: number): Record<string, ort.Tensor> {
  const column = (f: (r: number) => number, width = 0): ort.Tensor => {
    const data = Float32Array.from({ length: n * Math.max(width, 1) }, (_, i) => f(i));
    return new tensor('float32', data, width === 0 ? [n] : [n, width]);
  };
  const first = [(r: number) => r + 1, (r: number) => 50 + 3 * r, (r: number) => r % 2];
  const feeds: Record<string, ort.Tensor> = {
    [HEAD_INPUTS.threshold]: new tensor('float32', Float32Array.of(1), [1]),
    [HEAD_INPUTS.groups]: new tensor('int64', BigInt64Array.of(1n, BigInt(n)), [2]),
  };
  card.inputs.covariates.forEach((name, i) => { feeds[name] = column(first[i] ?? (() => 1)); });
  const K = card.inputs.eta?.dim ?? 0;
  if (K > 0) feeds['eta'] = column((i) => ((i % 9) - 4) / 4, K);
  const theta = card.inputs.theta;
  if (theta !== undefined && theta.dim > 0) feeds['theta'] = column((i) => theta.draws[0]?.[i % theta.dim] ?? 0, theta.dim);
  return feeds;
}

/** Runs the probe batch twice; ModelError naming the first output that differs (and any random op in the graph). */
export async function checkDeterministic(
  card: ModelCard, session: ort.InferenceSession, tensor: typeof ort.Tensor, maxBatchRows: number, opTypes: readonly string[],
): Promise<void> {
  const names = Object.values(HEAD_OUTPUTS);
  const rows = Math.min(PROBE_ROWS, maxBatchRows);
  const run = async (): Promise<Record<string, Uint8Array>> => {
    let out: ort.InferenceSession.ReturnType;
    try {
      const feeds = probeFeeds(card, tensor, rows);
      // a head with extras (threshold sweep, safety endpoint) needs their inputs too
      if (session.inputNames.includes(SWEEP_INPUT)) feeds[SWEEP_INPUT] = new tensor('float32', Float32Array.of(0.5, 1, 2), [3]);
      if (session.inputNames.includes(SAFETY_INPUT)) feeds[SAFETY_INPUT] = new tensor('float32', Float32Array.of(1), [1]);
      out = await session.run(feeds, names);
    } catch (err) {
      throw new ModelError(`model card "${card.name}" (${card.onnx}): onnxruntime could not evaluate the ${rows}-row probe batch (${err instanceof Error ? err.message : String(err)})`, { cause: err });
    }
    const bytes: Record<string, Uint8Array> = {};
    for (const name of names) {
      const data = out[name]?.data as ArrayLike<unknown> & { buffer: ArrayBufferLike; byteOffset: number; byteLength: number };
      bytes[name] = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
    }
    return bytes;
  };
  const a = await run();
  const b = await run();
  const differs = names.find((name) => Buffer.compare(a[name] as Uint8Array, b[name] as Uint8Array) !== 0);
  if (differs === undefined) return;
  const random = [...new Set(opTypes.filter((t) => RANDOM_OPS.has(t)))];
  throw new ModelError(
    `model card "${card.name}" (${card.onnx}): the model is not deterministic: the same ${rows}-row probe batch evaluated twice gave different ${differs}` +
      `${random.length > 0 ? `; the graph draws random numbers itself (${random.join(', ')})` : ''}; a trajectory model must be a pure function of its inputs (random effects come in through eta and theta)`,
    { details: { card: card.name, output: differs, randomOps: random } },
  );
}
