/**
 * Quantum-Train LSTM (paper 3.3): the M classical weights of the network (weights.ts) are not trained
 * directly; they are synthesised as theta_i = scale * M_gamma(bin(i), 2^N p_i), where p_i are the
 * measurement probabilities of an N = ceil(log2 M)-qubit U3 / controlled-U3 circuit and M_gamma is a
 * small tanh MLP shared by all i. Only the circuit angles and gamma are trainable; after training the
 * synthesised theta is frozen and deployed as the ordinary ONNX LSTM.
 */
import { InputError } from '../../worker/common/errors.js';
import { glorotUniform } from './init.js';
import { circuitProbabilitiesOp, initialAngles, qubitsFor } from './qt-circuit.js';
import { circuitParamCount, type CircuitSpec } from './statevector.js';
import { tf } from './tf-runtime.js';
import { networkWeights, weightCount, type NetworkShape, type NetworkWeights } from './weights.js';

export interface QtSpec {
  readonly network: NetworkShape;
  readonly circuit: CircuitSpec;
  /** widths of the mapping network's hidden tanh layers */
  readonly mappingHidden: readonly number[];
  /** fixed output scale: keeps the initial synthesised weights near Glorot magnitude */
  readonly outputScale: number;
}

/** The trainable state: circuit angles and the mapping network's [kernel, bias] per layer. */
export interface QtParams {
  readonly angles: Float32Array;
  readonly mapping: readonly { kernel: Float32Array; bias: Float32Array }[];
}

export function qtSpec(network: NetworkShape, layers: number, mappingHidden: readonly number[] = [32, 32], outputScale = 0.1): QtSpec {
  if (mappingHidden.some((h) => !Number.isInteger(h) || h < 1)) throw new InputError(`QT mapping hidden widths must be positive integers, got [${mappingHidden.join(', ')}]`);
  return { network, circuit: { qubits: qubitsFor(weightCount(network)), layers }, mappingHidden, outputScale };
}

/** Layer widths of the mapping network: (N bits + p) -> hidden... -> 1. */
function mappingWidths(spec: QtSpec): number[] {
  return [spec.circuit.qubits + 1, ...spec.mappingHidden, 1];
}

export function qtTrainableCount(spec: QtSpec): number {
  const w = mappingWidths(spec);
  let n = circuitParamCount(spec.circuit);
  for (let l = 1; l < w.length; l++) n += w[l - 1]! * w[l]! + w[l]!;
  return n;
}

export function initialQtParams(spec: QtSpec, seed: number): QtParams {
  const w = mappingWidths(spec);
  const mapping = w.slice(1).map((out, l) => ({ kernel: glorotUniform(seed, 100 + l, w[l]!, out), bias: new Float32Array(out) }));
  return { angles: initialAngles(spec.circuit, seed), mapping };
}

/** The constant mapping inputs bin(i), i < M, as +-1 columns [M, N] (bit q of i in column q). */
function indexBits(spec: QtSpec): tf.Tensor2D {
  const M = weightCount(spec.network);
  const N = spec.circuit.qubits;
  const bits = new Float32Array(M * N);
  for (let i = 0; i < M; i++) for (let q = 0; q < N; q++) bits[i * N + q] = (i >> q) & 1 ? 1 : -1;
  return tf.tensor2d(bits, [M, N]);
}

/** tf variables for the parameters plus a differentiable synthesise(): theta [M]. */
export interface QtVariables {
  readonly angles: tf.Variable;
  readonly mapping: readonly { kernel: tf.Variable; bias: tf.Variable }[];
  readonly all: tf.Variable[];
  synthesize(): tf.Tensor1D;
  read(): QtParams;
  assign(p: QtParams): void;
  dispose(): void;
}

export function qtVariables(spec: QtSpec, init: QtParams): QtVariables {
  const w = mappingWidths(spec);
  if (init.angles.length !== circuitParamCount(spec.circuit) || init.mapping.length !== w.length - 1) {
    throw new InputError(`QT parameters do not fit the spec (${spec.circuit.qubits} qubits, ${spec.circuit.layers} layers, mapping [${w.join(', ')}])`);
  }
  // variables copy their initial value; tidy releases the temporaries
  const angles = tf.tidy(() => tf.variable(tf.tensor1d(init.angles), true));
  const mapping = init.mapping.map((m, l) =>
    tf.tidy(() => ({ kernel: tf.variable(tf.tensor2d(m.kernel, [w[l]!, w[l + 1]!]), true), bias: tf.variable(tf.tensor1d(m.bias), true) })),
  );
  const bits = indexBits(spec);
  const M = weightCount(spec.network);
  const probs = circuitProbabilitiesOp(spec.circuit);
  const scaleP = 2 ** spec.circuit.qubits;
  const synthesize = (): tf.Tensor1D =>
    tf.tidy(() => {
      // 2^N p_i has mean 1 when M ~ 2^N: an O(1) input next to the +-1 bits
      const p = probs(angles as tf.Tensor1D).slice(0, M).mul(scaleP).reshape([M, 1]);
      let h: tf.Tensor2D = tf.concat([bits, p], 1) as tf.Tensor2D;
      mapping.forEach((m, l) => {
        const z = tf.add(tf.matMul(h, m.kernel as tf.Tensor2D), m.bias) as tf.Tensor2D;
        h = l < mapping.length - 1 ? tf.tanh(z) : z;
      });
      return h.reshape([M]).mul(spec.outputScale) as tf.Tensor1D;
    });
  const all = [angles, ...mapping.flatMap((m) => [m.kernel, m.bias])];
  return {
    angles,
    mapping,
    all,
    synthesize,
    read: () => ({
      angles: (angles.dataSync() as Float32Array).slice(),
      mapping: mapping.map((m) => ({ kernel: (m.kernel.dataSync() as Float32Array).slice(), bias: (m.bias.dataSync() as Float32Array).slice() })),
    }),
    assign: (p) =>
      tf.tidy(() => {
        angles.assign(tf.tensor1d(p.angles));
        p.mapping.forEach((m, l) => {
          mapping[l]!.kernel.assign(tf.tensor2d(m.kernel, [w[l]!, w[l + 1]!]));
          mapping[l]!.bias.assign(tf.tensor1d(m.bias));
        });
      }),
    dispose: () => {
      all.forEach((v) => v.dispose());
      bits.dispose();
    },
  };
}

/** The frozen classical weights of trained parameters (what the ONNX graph carries). */
export function synthesizeWeights(spec: QtSpec, params: QtParams): NetworkWeights {
  const vars = qtVariables(spec, params);
  try {
    const theta = vars.synthesize();
    const flat = (theta.dataSync() as Float32Array).slice();
    theta.dispose();
    return networkWeights(spec.network, flat);
  } finally {
    vars.dispose();
  }
}
