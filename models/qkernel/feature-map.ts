/**
 * The quantum-kernel regressor's feature map (issue 20 item 3), simulated exactly on a real statevector:
 *   |phi(x)> = (ring . RY(s z))^reps H^n |0>
 * z the standardised covariates (BW, COMED and any declared covariate the fit takes), qubit k rotated by
 * s * z[k mod d] (s, the encoding scale, plays the kernel bandwidth's part: small s, every state near
 * |+>^n and every kernel entry near 1). RY and CNOT only, so the amplitudes stay real (the same choice
 * and gates as QK-LSTM: ../qlstm/circuit.ts). The kernel is k(x, x') = |<phi(x)|phi(x')>|^2.
 */
import { InputError } from '../../worker/common/errors.js';
import { applyRing, applyRy, checkQubits, featureMapGates } from '../qlstm/circuit.js';
import { hardwareReport, resources, type HardwareReport } from '../qlstm/hardware.js';

export interface FeatureMapSpec {
  readonly qubits: number;
  /** repetitions of (RY layer, CNOT ring) */
  readonly reps: number;
  /** angle = scale * standardised covariate */
  readonly scale: number;
}

export const DEFAULT_QUBITS = 4;
export const DEFAULT_REPS = 2;

export function checkReps(reps: number): number {
  if (!Number.isInteger(reps) || reps < 1 || reps > 8) throw new InputError(`--layers ${reps}: expected an integer in [1, 8] (feature-map repetitions)`, { details: { field: 'layers', value: reps } });
  return reps;
}

/** The feature state (2^n real amplitudes) of standardised covariates z. */
export function featureState(z: readonly number[], spec: FeatureMapSpec): Float64Array {
  const n = checkQubits(spec.qubits);
  const D = 1 << n;
  let s: Float64Array = new Float64Array(D).fill(1 / Math.sqrt(D));
  for (let r = 0; r < spec.reps; r++) {
    for (let q = 0; q < n; q++) applyRy(s, q, spec.scale * z[q % z.length]!, n);
    s = applyRing(s, n);
  }
  return s;
}

/** k(x, x') from two feature states. */
export function fidelity(a: Float64Array, b: Float64Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot * dot;
}

/** Hardware figures as the qlstm cards state them: the feature map U(x), and the kernel entry U(x')^dagger U(x) as written. */
export function featureMapHardware(spec: FeatureMapSpec): HardwareReport[] {
  const gates = featureMapGates(spec.qubits, spec.reps);
  const single = resources(spec.qubits, gates);
  const entry = resources(spec.qubits, [...gates, ...[...gates].reverse()]);
  return [
    hardwareReport('feature map U(x): H, then reps x (RY(s z) on every qubit, CNOT ring); once per subject', single, 0),
    hardwareReport('kernel entry |<0|U(x\')^dagger U(x)|0>|^2, compute-uncompute as written; once per (subject, support subject)', entry, 0),
  ];
}
