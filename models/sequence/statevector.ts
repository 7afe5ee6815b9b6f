/**
 * A statevector simulator (float64) of the QT-LSTM circuit: `layers` repetitions of U3 on every qubit
 * followed by a ring of controlled-U3 gates (q -> q+1 mod N), started from |0...0>. It returns the
 * measurement probabilities p_i = |<i|psi>|^2 and, for a loss L(p), the exact gradient dL/dparams by
 * the adjoint method (one backward sweep that un-computes the state gate by gate), which costs a few
 * forward passes instead of the 2P circuit runs of parameter shift. Plain JS loops over Float64Arrays
 * (no tensor per gate): at N = 16 and 8 layers a forward pass takes ~30-60 ms and the gradient
 * ~0.3 s on this machine. Qubit q is bit q of the basis index.
 *
 * U3(theta, phi, lambda) = [[cos(theta/2), -e^{i lambda} sin(theta/2)],
 *                           [e^{i phi} sin(theta/2), e^{i(phi+lambda)} cos(theta/2)]]
 */
import { InputError } from '../../worker/common/errors.js';

export interface CircuitSpec {
  readonly qubits: number;
  readonly layers: number;
}

export interface Gate {
  readonly target: number;
  /** control qubit of a controlled-U3, or -1 */
  readonly control: number;
  /** offset of (theta, phi, lambda) in the parameter vector */
  readonly offset: number;
}

/** A 2x2 complex matrix, row-major: [re00, im00, re01, im01, re10, im10, re11, im11]. */
type Mat2 = Float64Array;

export function circuitParamCount(spec: CircuitSpec): number {
  return spec.layers * 2 * spec.qubits * 3;
}

export function gateList(spec: CircuitSpec): Gate[] {
  if (!Number.isInteger(spec.qubits) || spec.qubits < 2 || spec.qubits > 24) throw new InputError(`circuit qubits (${spec.qubits}) must be an integer in [2, 24]`);
  if (!Number.isInteger(spec.layers) || spec.layers < 1) throw new InputError(`circuit layers (${spec.layers}) must be a positive integer`);
  const gates: Gate[] = [];
  for (let l = 0; l < spec.layers; l++) {
    const base = l * 2 * spec.qubits * 3;
    for (let q = 0; q < spec.qubits; q++) gates.push({ target: q, control: -1, offset: base + q * 3 });
    for (let q = 0; q < spec.qubits; q++) gates.push({ target: (q + 1) % spec.qubits, control: q, offset: base + (spec.qubits + q) * 3 });
  }
  return gates;
}

/** U3 and its three partial derivatives (d/dtheta, d/dphi, d/dlambda). */
export function u3(theta: number, phi: number, lambda: number): { u: Mat2; d: [Mat2, Mat2, Mat2] } {
  const c = Math.cos(theta / 2);
  const s = Math.sin(theta / 2);
  const [cl, sl, cp, sp, cpl, spl] = [Math.cos(lambda), Math.sin(lambda), Math.cos(phi), Math.sin(phi), Math.cos(phi + lambda), Math.sin(phi + lambda)];
  const u = Float64Array.of(c, 0, -cl * s, -sl * s, cp * s, sp * s, cpl * c, spl * c);
  const dTheta = Float64Array.of(-s / 2, 0, (-cl * c) / 2, (-sl * c) / 2, (cp * c) / 2, (sp * c) / 2, (-cpl * s) / 2, (-spl * s) / 2);
  // d/dphi and d/dlambda multiply entries by i: (a + ib) i = -b + ia
  const dPhi = Float64Array.of(0, 0, 0, 0, -sp * s, cp * s, -spl * c, cpl * c);
  const dLambda = Float64Array.of(0, 0, sl * s, -cl * s, 0, 0, -spl * c, cpl * c);
  return { u, d: [dTheta, dPhi, dLambda] };
}

function adjoint(m: Mat2): Mat2 {
  return Float64Array.of(m[0]!, -m[1]!, m[4]!, -m[5]!, m[2]!, -m[3]!, m[6]!, -m[7]!);
}

// The loops below visit every amplitude pair (i, j = i + 2^target) a gate mixes (control bit set, if
// any). They are written out rather than shared through a callback: this is the training hot path.

/** In place: state <- (m on target, where control is set) state. */
function apply(re: Float64Array, im: Float64Array, g: Gate, m: Mat2): void {
  const stride = 1 << g.target;
  const cmask = g.control < 0 ? 0 : 1 << g.control;
  const ar = m[0]!, ai = m[1]!, br = m[2]!, bi = m[3]!, cr = m[4]!, ci = m[5]!, dr = m[6]!, di = m[7]!;
  for (let base = 0; base < re.length; base += 2 * stride) {
    for (let i = base; i < base + stride; i++) {
      if ((i & cmask) !== cmask) continue;
      const j = i + stride;
      const xr = re[i]!, xi = im[i]!, yr = re[j]!, yi = im[j]!;
      re[i] = ar * xr - ai * xi + br * yr - bi * yi;
      im[i] = ar * xi + ai * xr + br * yi + bi * yr;
      re[j] = cr * xr - ci * xi + dr * yr - di * yi;
      im[j] = cr * xi + ci * xr + dr * yi + di * yr;
    }
  }
}

/**
 * S[r][c] = sum over the gate's pairs of conj(lam_r) psi_c (r, c: 0 = target bit clear, 1 = set), as
 * [re00, im00, re01, im01, re10, im10, re11, im11]: then <lam| A |psi> = sum_rc A_rc S_rc for any
 * 2x2 A acting on those pairs, so one sweep serves all three derivatives.
 */
function pairOverlaps(lr: Float64Array, li: Float64Array, pr: Float64Array, pi: Float64Array, g: Gate): Float64Array {
  const stride = 1 << g.target;
  const cmask = g.control < 0 ? 0 : 1 << g.control;
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
  for (let base = 0; base < pr.length; base += 2 * stride) {
    for (let i = base; i < base + stride; i++) {
      if ((i & cmask) !== cmask) continue;
      const j = i + stride;
      const ar = lr[i]!, ai = li[i]!, br = lr[j]!, bi = li[j]!;
      const xr = pr[i]!, xi = pi[i]!, yr = pr[j]!, yi = pi[j]!;
      // conj(a + ib)(x + iy) = (ax + by) + i(ay - bx)
      s0 += ar * xr + ai * xi;
      s1 += ar * xi - ai * xr;
      s2 += ar * yr + ai * yi;
      s3 += ar * yi - ai * yr;
      s4 += br * xr + bi * xi;
      s5 += br * xi - bi * xr;
      s6 += br * yr + bi * yi;
      s7 += br * yi - bi * yr;
    }
  }
  return Float64Array.of(s0, s1, s2, s3, s4, s5, s6, s7);
}

/** Re sum_rc A_rc S_rc. */
function contractRe(a: Mat2, s: Float64Array): number {
  let sum = 0;
  for (let k = 0; k < 8; k += 2) sum += a[k]! * s[k]! - a[k + 1]! * s[k + 1]!;
  return sum;
}

function checkParams(spec: CircuitSpec, params: ArrayLike<number>): void {
  if (params.length !== circuitParamCount(spec)) {
    throw new InputError(`circuit parameters: got ${params.length}, a ${spec.qubits}-qubit ${spec.layers}-layer circuit has ${circuitParamCount(spec)}`);
  }
}

/** The final state psi(params) as (re, im). */
export function simulate(spec: CircuitSpec, params: ArrayLike<number>): { re: Float64Array; im: Float64Array } {
  checkParams(spec, params);
  const re = new Float64Array(1 << spec.qubits);
  const im = new Float64Array(1 << spec.qubits);
  re[0] = 1;
  for (const g of gateList(spec)) apply(re, im, g, u3(params[g.offset]!, params[g.offset + 1]!, params[g.offset + 2]!).u);
  return { re, im };
}

export function probabilities(spec: CircuitSpec, params: ArrayLike<number>): Float64Array {
  const { re, im } = simulate(spec, params);
  return re.map((r, i) => r * r + im[i]! * im[i]!);
}

/**
 * dL/dparams given dL/dp (length 2^N): dL/dx = 2 Re <lam_k| dU_k/dx |psi_{k-1}>, with
 * lam = sum_i (dL/dp_i) psi_i |i> pulled back through the later gates.
 */
export function probabilityVjp(spec: CircuitSpec, params: ArrayLike<number>, dLdp: ArrayLike<number>): Float64Array {
  const { re, im } = simulate(spec, params);
  if (dLdp.length !== re.length) throw new InputError(`probabilityVjp: dL/dp has ${dLdp.length} entries, expected ${re.length}`);
  const lr = re.map((r, i) => dLdp[i]! * r);
  const li = im.map((v, i) => dLdp[i]! * v);
  const grad = new Float64Array(params.length);
  const gates = gateList(spec);
  for (let k = gates.length - 1; k >= 0; k--) {
    const g = gates[k]!;
    const { u, d } = u3(params[g.offset]!, params[g.offset + 1]!, params[g.offset + 2]!);
    const uDag = adjoint(u);
    apply(re, im, g, uDag); // psi_{k-1}
    const s = pairOverlaps(lr, li, re, im, g);
    d.forEach((dm, p) => (grad[g.offset + p] = 2 * contractRe(dm, s)));
    apply(lr, li, g, uDag);
  }
  return grad;
}
