/**
 * The quantum-kernel regressor's kernel and ridge (models/qkernel): the feature state against an
 * independent complex statevector (full 2^n x 2^n gate matrices multiplied out, complex arithmetic,
 * no shared code), the kernel valid (symmetric, unit diagonal, PSD Gram on random inputs), the ridge
 * the closed form it claims, and the circuit's hardware figures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { featureMapHardware, featureState, fidelity } from '../../models/qkernel/feature-map.js';
import { quantumGram, quantumKernel } from '../../models/qkernel/kernel.js';
import { fitRidge, predict } from '../../models/qkernel/ridge.js';
import { mulberry32 } from '../kit/prng.js';

type C = [number, number];
type CMat = C[][];
const cmul = (a: C, b: C): C => [a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0]];
const cadd = (a: C, b: C): C => [a[0] + b[0], a[1] + b[1]];
const identity = (d: number): CMat => Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j): C => [i === j ? 1 : 0, 0]));
const kron = (a: CMat, b: CMat): CMat =>
  Array.from({ length: a.length * b.length }, (_, i) => Array.from({ length: a.length * b.length }, (_, j) => cmul(a[Math.floor(i / b.length)]![Math.floor(j / b.length)]!, b[i % b.length]![j % b.length]!)));
const apply = (m: CMat, v: C[]): C[] => m.map((row) => row.reduce((s, x, j) => cadd(s, cmul(x, v[j]!)), [0, 0] as C));
/** A one-qubit gate on qubit q of n (qubit 0 the most significant: kron(q0, q1, ...)). */
const onQubit = (g: CMat, q: number, n: number): CMat => {
  let m: CMat = [[[1, 0]]];
  for (let k = 0; k < n; k++) m = kron(m, k === q ? g : identity(2));
  return m;
};
/** CNOT as a basis permutation matrix. */
const cnot = (c: number, t: number, n: number): CMat => {
  const d = 1 << n;
  const m: CMat = Array.from({ length: d }, () => Array.from({ length: d }, (): C => [0, 0]));
  for (let b = 0; b < d; b++) {
    const image = ((b >> (n - 1 - c)) & 1) === 1 ? b ^ (1 << (n - 1 - t)) : b;
    m[image]![b] = [1, 0];
  }
  return m;
};
const H: CMat = [[[Math.SQRT1_2, 0], [Math.SQRT1_2, 0]], [[Math.SQRT1_2, 0], [-Math.SQRT1_2, 0]]];
const RY = (a: number): CMat => [[[Math.cos(a / 2), 0], [-Math.sin(a / 2), 0]], [[Math.sin(a / 2), 0], [Math.cos(a / 2), 0]]];

/** The circuit as the card states it: H on every qubit, then reps x (RY(s z[k mod d]) on qubit k, CNOT k -> k+1 mod n: even edges, then odd). */
function reference(z: number[], n: number, reps: number, scale: number): C[] {
  let v: C[] = Array.from({ length: 1 << n }, (_, i): C => [i === 0 ? 1 : 0, 0]);
  for (let q = 0; q < n; q++) v = apply(onQubit(H, q, n), v);
  for (let r = 0; r < reps; r++) {
    for (let q = 0; q < n; q++) v = apply(onQubit(RY(scale * z[q % z.length]!), q, n), v);
    for (const parity of [0, 1]) for (let k = parity; k < n; k += 2) v = apply(cnot(k, (k + 1) % n, n), v);
  }
  return v;
}
const overlapSquared = (a: C[], b: C[]): number => {
  const dot = a.reduce((s, x, i) => cadd(s, cmul([x[0], -x[1]], b[i]!)), [0, 0] as C);
  return dot[0] ** 2 + dot[1] ** 2;
};

test('feature state and kernel entries equal an independent complex statevector (3 and 4 qubits, 1-3 repetitions)', () => {
  const u = mulberry32(11);
  for (const [n, reps] of [[3, 1], [4, 2], [4, 3]] as const) {
    for (let trial = 0; trial < 4; trial++) {
      const scale = 0.3 + 2 * u();
      const za = [4 * u() - 2, 4 * u() - 2];
      const zb = [4 * u() - 2, 4 * u() - 2];
      const ref = reference(za, n, reps, scale);
      const ours = featureState(za, { qubits: n, reps, scale });
      ref.forEach(([re, im], i) => {
        assert.ok(Math.abs(re - ours[i]!) < 1e-12, `n ${n} reps ${reps} amplitude ${i}: ${ours[i]} vs ${re}`);
        assert.ok(Math.abs(im) < 1e-15, 'real circuit');
      });
      const k = fidelity(ours, featureState(zb, { qubits: n, reps, scale }));
      assert.ok(Math.abs(k - overlapSquared(ref, reference(zb, n, reps, scale))) < 1e-12, `kernel entry n ${n}`);
    }
  }
});

test('the quantum kernel is valid: symmetric Gram, unit diagonal, no negative eigenvalue on 40 random inputs', () => {
  const u = mulberry32(5);
  for (const scale of [0.5, 1.5, 3]) {
    const x = Array.from({ length: 40 }, () => [4 * u() - 2, u() < 0.5 ? -1 : 1, 2 * u() - 1]);
    const g = quantumGram(x, x, { qubits: 4, reps: 2, scale });
    for (let i = 0; i < 40; i++) {
      assert.ok(Math.abs(g[i]![i]! - 1) < 1e-12, 'unit diagonal (normalised states)');
      for (let j = 0; j < 40; j++) assert.equal(g[i]![j], g[j]![i], 'symmetric');
    }
    const eig = new EigenvalueDecomposition(new Matrix(g), { assumeSymmetric: true });
    // a Gram matrix of unit vectors' squared overlaps is PSD (Schur product of PSD matrices); rounding ~1e-15 x 40
    assert.ok(Math.min(...eig.realEigenvalues) > -1e-10, `scale ${scale}: min eigenvalue ${Math.min(...eig.realEigenvalues)}`);
  }
});

test('ridge: (K + lambda I) alpha = y per eta on its own subjects; an eta left out of a subject gets weight 0 there; a huge lambda predicts the plain model (0)', () => {
  const u = mulberry32(3);
  const x = Array.from({ length: 12 }, () => [2 * u() - 1, u() < 0.5 ? -1 : 1]);
  const y = x.map((r, i) => [Math.sin(2 * r[0]!) + 0.1 * r[1]!, i % 3 === 0 ? null : r[0]! - 0.5]);
  const kernel = quantumKernel(4, 2, 1.2);
  const m = fitRidge({ x, y }, kernel, [0.1, 0.01]);
  const g = kernel.gram(x, x);
  for (let t = 0; t < 2; t++) {
    const rows = y.flatMap((r, i) => (r[t] === null ? [] : [i]));
    for (const i of rows) {
      const lhs = rows.reduce((s, j) => s + g[i]![j]! * m.alpha[j]![t]!, 0) + [0.1, 0.01][t]! * m.alpha[i]![t]!;
      assert.ok(Math.abs(lhs - y[i]![t]!) < 1e-9, `eta ${t} subject ${i}: ${lhs} vs ${y[i]![t]}`);
    }
    y.forEach((r, i) => r[t] === null && assert.equal(m.alpha[i]![t], 0));
  }
  const flat = predict(fitRidge({ x, y }, kernel, [1e12, 1e12]), x);
  assert.ok(flat.flat().every((v) => Math.abs(v) < 1e-9), 'shrunk to the plain covariate model');
});

test('hardware figures: 4 qubits, 2 repetitions: feature map depth 7 with 8 CNOTs (within QV-512), kernel entry depth 14 with 16 (not)', () => {
  const [map, entry] = featureMapHardware({ qubits: 4, reps: 2, scale: 1 });
  assert.deepEqual([map!.resources.qubits, map!.resources.depth, map!.resources.two_qubit_gates, map!.within_pnu_bound], [4, 7, 8, true]);
  assert.deepEqual([entry!.resources.depth, entry!.resources.two_qubit_gates, entry!.within_pnu_bound], [14, 16, false]);
});
