/**
 * The QCNN's circuit (models/qcnn/circuit.ts, network.ts) against an independent statevector written
 * here gate by gate (RY, CZ, controlled-RY on a 64-amplitude vector): the tfjs unitary used in training
 * and the float64 matrix the export stores must both act on random states as the gate sequence does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CIRCUIT_PARAMS, circuitMatrix, DIM, QUBITS, qcnnGates } from '../../models/qcnn/circuit.js';
import { unitaryTf } from '../../models/qcnn/network.js';
import { readyTf, tf } from '../../models/sequence/tf-runtime.js';
import { mulberry32 } from '../kit/prng.js';

const mask = (q: number): number => 1 << (QUBITS - 1 - q);

/** RY(theta) on `target` where `control` (if any) is 1: |0> -> c|0> + s|1>, |1> -> -s|0> + c|1>. */
function rotate(psi: Float64Array, target: number, theta: number, control?: number): void {
  const c = Math.cos(theta / 2);
  const s = Math.sin(theta / 2);
  for (let i = 0; i < DIM; i += 1) {
    if ((i & mask(target)) !== 0 || (control !== undefined && (i & mask(control)) === 0)) continue;
    const j = i | mask(target);
    const a = psi[i] ?? 0;
    const b = psi[j] ?? 0;
    psi[i] = c * a - s * b;
    psi[j] = s * a + c * b;
  }
}

function simulate(state: Float64Array, params: ArrayLike<number>): Float64Array {
  const psi = Float64Array.from(state);
  for (const g of qcnnGates()) {
    if (g.kind === 'ry') rotate(psi, g.q, params[g.param] ?? NaN);
    else if (g.kind === 'cry') rotate(psi, g.target, params[g.param] ?? NaN, g.control);
    else for (let i = 0; i < DIM; i += 1) if ((i & mask(g.a)) !== 0 && (i & mask(g.b)) !== 0) psi[i] = -(psi[i] ?? 0);
  }
  return psi;
}

function randomState(u: () => number): Float64Array {
  const v = Float64Array.from({ length: DIM }, () => u() - 0.5);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

test('QCNN circuit: 6 qubits, 46 angles, the proposal\'s size', () => {
  assert.equal(QUBITS, 6);
  assert.equal(CIRCUIT_PARAMS, 46);
});

test('QCNN circuit: the export matrix and the tfjs unitary match an independent statevector', async () => {
  await readyTf();
  const u = mulberry32(5);
  for (let trial = 0; trial < 3; trial += 1) {
    const params = Float64Array.from({ length: CIRCUIT_PARAMS }, () => 2 * Math.PI * (u() - 0.5));
    const U = circuitMatrix(params);
    const Utf = tf.tidy(() => unitaryTf(tf.tensor1d(Float32Array.from(params))).dataSync());
    for (let k = 0; k < 4; k += 1) {
      const state = randomState(u);
      const want = simulate(state, params);
      for (let i = 0; i < DIM; i += 1) {
        let got = 0, gotTf = 0;
        for (let j = 0; j < DIM; j += 1) {
          got += (U[i * DIM + j] ?? 0) * (state[j] ?? 0);
          gotTf += (Utf[i * DIM + j] ?? 0) * (state[j] ?? 0);
        }
        // float64 product of 57 gates: rounding only; tfjs in float32: ~57 products of |entries| <= 1
        // each rounded at 2^-24 relative, a few 1e-6 at most on a unit vector, so 1e-5 leaves margin
        assert.ok(Math.abs(got - (want[i] ?? NaN)) <= 1e-12, `export matrix, amplitude ${i}: ${got} vs ${want[i]}`);
        assert.ok(Math.abs(gotTf - (want[i] ?? NaN)) <= 1e-5, `tfjs, amplitude ${i}: ${gotTf} vs ${want[i]}`);
      }
    }
  }
});
