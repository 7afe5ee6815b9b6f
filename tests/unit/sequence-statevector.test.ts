/**
 * The QT-LSTM statevector simulator (models/sequence/statevector.ts, qt-circuit.ts): U3 and
 * controlled-U3 against gates with known action (X, Hadamard, CNOT, a Bell state), normalisation of
 * a deep random circuit, the adjoint gradient against central finite differences, the tfjs op's
 * gradient against the plain-JS one, and N = ceil(log2 M).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { circuitProbabilitiesOp, qubitsFor } from '../../models/sequence/qt-circuit.js';
import { circuitParamCount, gateList, probabilities, probabilityVjp, simulate, u3 } from '../../models/sequence/statevector.js';
import type { CircuitSpec } from '../../models/sequence/statevector.js';
import { readyTf, tf } from '../../models/sequence/tf-runtime.js';
import { mulberry32 } from '../kit/prng.js';

const PI = Math.PI;
const close = (a: number, b: number, tol = 1e-12) => Math.abs(a - b) <= tol;

/** Angles for a 2-qubit, 1-layer circuit: U3 on qubit 0, U3 on qubit 1, CU3(0 -> 1), CU3(1 -> 0). */
function twoQubit(u0: number[], u1: number[], c01: number[], c10: number[]): number[] {
  return [...u0, ...u1, ...c01, ...c10];
}
const ID = [0, 0, 0];
const X = [PI, 0, PI]; // U3(pi, 0, pi) = X
const H = [PI / 2, 0, PI]; // U3(pi/2, 0, pi) = Hadamard

test('gate list: U3 on each qubit, then a controlled-U3 ring q -> q+1 mod N, per layer', () => {
  const g = gateList({ qubits: 3, layers: 2 });
  assert.equal(g.length, 12);
  assert.deepEqual(g.slice(3, 6).map((x) => [x.control, x.target]), [[0, 1], [1, 2], [2, 0]]);
  assert.deepEqual(g.map((x) => x.offset), Array.from({ length: 12 }, (_, i) => 3 * i));
  assert.equal(circuitParamCount({ qubits: 3, layers: 2 }), 36);
});

test('U3 special cases are X and Hadamard; U3 is unitary', () => {
  const x = u3(PI, 0, PI).u;
  [0, 0, 1, 0, 1, 0, 0, 0].forEach((v, i) => assert.ok(close(x[i]!, v), `X[${i}] = ${x[i]}`));
  const h = u3(PI / 2, 0, PI).u;
  const r = Math.SQRT1_2;
  [r, 0, r, 0, r, 0, -r, 0].forEach((v, i) => assert.ok(close(h[i]!, v), `H[${i}] = ${h[i]}`));
  const m = u3(0.7, -1.3, 2.1).u;
  // columns orthonormal
  const col = (c: number) => [m[2 * c]!, m[2 * c + 1]!, m[4 + 2 * c]!, m[5 + 2 * c]!];
  const dot = (a: number[], b: number[]) => [a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]! + a[3]! * b[3]!, a[0]! * b[1]! - a[1]! * b[0]! + a[2]! * b[3]! - a[3]! * b[2]!];
  assert.ok(close(dot(col(0), col(0))[0]!, 1) && close(dot(col(1), col(1))[0]!, 1));
  assert.ok(dot(col(0), col(1)).every((v) => close(v, 0)));
});

test('known circuits: X flips bit q of the index; CU3 acts only when the control is set; H + CNOT makes a Bell state', () => {
  const spec: CircuitSpec = { qubits: 2, layers: 1 };
  const p = (angles: number[]) => [...probabilities(spec, angles)].map((v) => +v.toFixed(12));
  assert.deepEqual(p(twoQubit(X, ID, ID, ID)), [0, 1, 0, 0]); // qubit 0 is bit 0: |01> = index 1
  assert.deepEqual(p(twoQubit(ID, X, ID, ID)), [0, 0, 1, 0]);
  assert.deepEqual(p(twoQubit(ID, ID, X, ID)), [1, 0, 0, 0]); // control 0 not set: nothing happens
  assert.deepEqual(p(twoQubit(X, ID, X, ID)), [0, 0, 0, 1]); // control set: target flips
  assert.deepEqual(p(twoQubit(H, ID, X, ID)), [0.5, 0, 0, 0.5]); // Bell state
  const { re, im } = simulate(spec, twoQubit(H, ID, X, ID));
  assert.ok(close(re[0]!, Math.SQRT1_2) && close(re[3]!, Math.SQRT1_2) && im.every((v) => close(v, 0)));
});

test('a deep random 10-qubit circuit stays normalised and spreads probability (Porter–Thomas-like)', () => {
  const spec: CircuitSpec = { qubits: 10, layers: 6 };
  const rnd = mulberry32(11);
  const p = probabilities(spec, Array.from({ length: circuitParamCount(spec) }, () => 2 * PI * rnd()));
  const sum = p.reduce((a, b) => a + b, 0);
  assert.ok(close(sum, 1, 1e-12), `sum ${sum}`);
  // for exponential(1)-distributed 2^N p, E[(2^N p)^2] = 2; a product state would give far more
  const m2 = p.reduce((a, v) => a + (v * 1024) ** 2, 0) / 1024;
  assert.ok(m2 > 1.5 && m2 < 3, `second moment ${m2}`);
});

test('adjoint gradient matches central finite differences for every angle', () => {
  const spec: CircuitSpec = { qubits: 4, layers: 2 };
  const rnd = mulberry32(5);
  const angles = Array.from({ length: circuitParamCount(spec) }, () => 2 * PI * rnd());
  const w = Array.from({ length: 16 }, () => rnd() - 0.5);
  const loss = (a: number[]) => probabilities(spec, a).reduce((s, v, i) => s + w[i]! * v, 0);
  const g = probabilityVjp(spec, angles, w);
  const h = 1e-5;
  angles.forEach((_, k) => {
    const up = [...angles];
    const dn = [...angles];
    up[k]! += h;
    dn[k]! -= h;
    const fd = (loss(up) - loss(dn)) / (2 * h);
    // central differences: error O(h^2) ~ 1e-10 for these O(1) second derivatives
    assert.ok(Math.abs(fd - g[k]!) < 1e-8, `angle ${k}: adjoint ${g[k]}, finite difference ${fd}`);
  });
});

test('the tfjs op returns float32 probabilities and the adjoint gradient through autodiff', async () => {
  await readyTf();
  const spec: CircuitSpec = { qubits: 3, layers: 2 };
  const rnd = mulberry32(9);
  const angles = Float32Array.from({ length: circuitParamCount(spec) }, () => 2 * PI * rnd());
  const w = Float32Array.from({ length: 8 }, () => rnd());
  const op = circuitProbabilitiesOp(spec);
  const a = tf.tensor1d(angles);
  const p = op(a).dataSync();
  probabilities(spec, angles).forEach((v, i) => assert.equal(p[i], Math.fround(v)));
  const grad = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(op(x as tf.Tensor1D), tf.tensor1d(w))))(a).dataSync();
  probabilityVjp(spec, angles, w).forEach((v, i) => assert.equal(grad[i], Math.fround(v)));
});

test('qubits: N = ceil(log2 M), at least 2', () => {
  assert.equal(qubitsFor(38977), 16); // the paper's BiLSTM(64): 16 qubits
  assert.equal(qubitsFor(11329), 14);
  assert.equal(qubitsFor(16384), 14);
  assert.equal(qubitsFor(16385), 15);
  assert.equal(qubitsFor(3), 2);
});
