/**
 * Gram matrices of the two kernels the regressor compares: the quantum fidelity kernel
 * (feature-map.ts) and the classical RBF kernel exp(-gamma |z - z'|^2) on the same standardised inputs.
 */
import { featureState, fidelity, type FeatureMapSpec } from './feature-map.js';

/** Rows z (standardised covariates). */
export type Inputs = readonly (readonly number[])[];

export function quantumGram(a: Inputs, b: Inputs, spec: FeatureMapSpec): number[][] {
  const sa = a.map((z) => featureState(z, spec));
  const sb = b === a ? sa : b.map((z) => featureState(z, spec));
  return sa.map((x) => sb.map((y) => fidelity(x, y)));
}

export function rbfGram(a: Inputs, b: Inputs, gamma: number): number[][] {
  return a.map((x) => b.map((y) => Math.exp(-gamma * x.reduce((s, v, i) => s + (v - y[i]!) ** 2, 0))));
}

/** A kernel as the ridge sees it: its Gram matrix of any two input sets, and its hyperparameter. */
export interface KernelChoice {
  readonly kind: 'quantum' | 'rbf';
  /** the quantum encoding scale s or the RBF gamma */
  readonly width: number;
  gram(a: Inputs, b: Inputs): number[][];
}

export function quantumKernel(qubits: number, reps: number, scale: number): KernelChoice {
  return { kind: 'quantum', width: scale, gram: (a, b) => quantumGram(a, b, { qubits, reps, scale }) };
}

export function rbfKernel(gamma: number): KernelChoice {
  return { kind: 'rbf', width: gamma, gram: (a, b) => rbfGram(a, b, gamma) };
}
