/**
 * Finite-shot evaluation of the shipped QLSTM (issue 21 item 5, optional; a bench note, not a test):
 * the network in float64, gate by gate (models/qlstm/circuit.ts), once with exact Pauli-Z
 * expectations and then with each <Z_k> estimated from `shots` measurements of its circuit (a seeded
 * multinomial draw over the 2^n outcomes, Philox), repeated `repeats` times. Prints, per dose, the exact
 * QD window maximum and how far the shot-noise maxima move.
 *   node dist/bench/sequence/qlstm-shots.js models/sequence-estdata [--shots 1024] [--repeats 20]
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { featureRows, type FeatureScaling } from '../../models/sequence/dataset.js';
import { SEQUENCE_REGIMENS } from '../../models/sequence/regimens.js';
import { uniformAt } from '../../models/sequence/seeded.js';
import { applyRing, applyRy } from '../../models/qlstm/circuit.js';
import type { QlstmSpec } from '../../models/qlstm/params.js';

type Tensors = Record<string, { shape: number[]; values: number[] }>;
const SHOT_STREAM = 9;

const sig = (v: number): number => 1 / (1 + Math.exp(-v));

/** <Z_k> of one gate's circuit at angles a (exact, or from `shots` draws keyed by `key`). */
function readout(spec: QlstmSpec, theta: number[], g: number, a: number[], shots: number, key: [number, number]): number[] {
  const n = spec.qubits;
  let s: Float64Array = new Float64Array(1 << n);
  s[0] = 1;
  for (let k = 0; k < n; k++) applyRy(s, k, a[k]!, n);
  for (let l = 0; l < spec.layers; l++) {
    for (let k = 0; k < n; k++) applyRy(s, k, theta[(g * spec.layers + l) * n + k]!, n);
    s = applyRing(s, n);
  }
  const p = Array.from(s, (v) => v * v);
  let w = p;
  if (shots > 0) {
    const counts = new Array<number>(p.length).fill(0);
    for (let i = 0; i < shots; i++) {
      let u = uniformAt(key[0], SHOT_STREAM, key[1], i);
      let b = 0;
      while (b < p.length - 1 && u >= p[b]!) u -= p[b++]!;
      counts[b]!++;
    }
    w = counts.map((c) => c / shots);
  }
  return Array.from({ length: n }, (_, k) => w.reduce((acc, pb, b) => acc + pb * (((b >> (n - 1 - k)) & 1) === 1 ? -1 : 1), 0));
}

function predict(spec: QlstmSpec, P: Tensors, x: Float32Array, shots: number, seed: number): number[] {
  const H = spec.hidden;
  const n = spec.qubits;
  const T = x.length / 3;
  const at = (name: string, i: number): number => P[name]!.values[i]!;
  let h = new Array<number>(H).fill(0);
  let c = new Array<number>(H).fill(0);
  const out: number[] = [];
  for (let t = 0; t < T; t++) {
    const v = [...x.subarray(t * 3, t * 3 + 3)].concat(h);
    const z = [0, 1, 2, 3].map((g) => {
      const a = Array.from({ length: n }, (_, k) => v.reduce((acc, vi, i) => acc + vi * at('w_in', i * 4 * n + g * n + k), at('b_in', g * n + k)));
      const e = readout(spec, P['theta']!.values, g, a, shots, [seed, t * 4 + g]);
      return Array.from({ length: H }, (_, j) => e.reduce((acc, ek, k) => acc + ek * at('w_out', (g * n + k) * H + j), at('b_out', g * H + j)));
    });
    c = c.map((ci, j) => sig(z[1]![j]!) * ci + sig(z[0]![j]!) * Math.tanh(z[2]![j]!));
    h = c.map((ci, j) => sig(z[3]![j]!) * Math.tanh(ci));
    const D = spec.dense;
    const a1 = Array.from({ length: D }, (_, d) => Math.max(0, h.reduce((acc, hj, j) => acc + hj * at('dense1', j * D + d), at('dense1_bias', d))));
    out.push(a1.reduce((acc, ad, d) => acc + ad * at('dense2', d), at('dense2_bias', 0)));
  }
  return out;
}

async function main(): Promise<void> {
  const dir = process.argv[2] ?? 'models/sequence-estdata';
  const opt = (name: string, dflt: number): number => {
    const i = process.argv.indexOf(`--${name}`);
    return i < 0 ? dflt : Number(process.argv[i + 1]);
  };
  const [shots, repeats] = [opt('shots', 1024), opt('repeats', 20)];
  const file = JSON.parse(await readFile(join(dir, 'qlstm.params.json'), 'utf8')) as { spec: QlstmSpec; params: { name: string; shape: number[]; values: number[] }[] };
  const card = JSON.parse(await readFile(join(dir, 'qlstm-qd.model.json'), 'utf8')) as { provenance: { scaling: { features: FeatureScaling; target_pd_ng_ml: { mean: number; sd: number } } } };
  const P: Tensors = Object.fromEntries(file.params.map((p) => [p.name, p]));
  const { features, target_pd_ng_ml: y } = card.provenance.scaling;
  console.log(`QLSTM (${file.spec.qubits} qubits, ${file.spec.layers} layers), QD window maximum (ng/mL), BW 70 kg, COMED 0; ${shots} shots per <Z> readout, ${repeats} seeded repeats`);
  console.log('dose mg | exact | shots: mean | sd | min | max | max |shots - exact|');
  for (const dose of [0, 1, 3, 5, 10]) {
    const x = featureRows(features, SEQUENCE_REGIMENS.qd, dose, 70, 0);
    const windowMax = (s: number, seed: number): number => Math.max(...predict(file.spec, P, x, s, seed).map((z) => z * y.sd + y.mean));
    const exact = windowMax(0, 0);
    const noisy = Array.from({ length: repeats }, (_, r) => windowMax(shots, r + 1));
    const mean = noisy.reduce((a, b) => a + b, 0) / repeats;
    const sd = Math.sqrt(noisy.reduce((a, b) => a + (b - mean) ** 2, 0) / (repeats - 1));
    const f = (v: number): string => v.toFixed(3);
    console.log(`${dose} | ${f(exact)} | ${f(mean)} | ${f(sd)} | ${f(Math.min(...noisy))} | ${f(Math.max(...noisy))} | ${f(Math.max(...noisy.map((v) => Math.abs(v - exact))))}`);
  }
}

await main();
