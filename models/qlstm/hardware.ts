/**
 * Hardware realism (issue 21 item 5): qubits, depth, two-qubit gate count of a circuit as a gate
 * list, and PNU's feasibility bound (quantum volume 512 = 2^9: a square circuit of at most 9 qubits
 * at depth 9; ../shared/seeds/pnu-qnn-moe-slides.txt). Depth is the ASAP schedule of the list as
 * written (each gate starts after the last gate on any of its qubits), counting every gate as one
 * layer; a controlled-U3 counts as one two-qubit gate (it compiles to 2 CNOTs + single-qubit gates).
 */
import { gateList, type CircuitSpec } from '../sequence/statevector.js';
import type { GateRef } from './circuit.js';

export const QV_BOUND = { quantumVolume: 512, maxQubits: 9, maxDepth: 9 } as const;

export interface CircuitResources {
  readonly qubits: number;
  readonly depth: number;
  readonly two_qubit_gates: number;
  readonly gates: number;
}

export function resources(qubits: number, gates: readonly GateRef[]): CircuitResources {
  const level = new Array<number>(qubits).fill(0);
  for (const g of gates) {
    const at = Math.max(...g.qubits.map((q) => level[q]!)) + 1;
    for (const q of g.qubits) level[q] = at;
  }
  return { qubits, depth: Math.max(0, ...level), two_qubit_gates: gates.filter((g) => g.qubits.length === 2).length, gates: gates.length };
}

export interface HardwareReport {
  /** which circuit the figures describe, and how often it runs */
  readonly circuit: string;
  readonly resources: CircuitResources;
  readonly trainable_parameters: number;
  readonly pnu_bound: string;
  readonly within_pnu_bound: boolean;
  readonly note?: string;
}

export function hardwareReport(circuit: string, r: CircuitResources, trainableParameters: number, note?: string): HardwareReport {
  const ok = r.qubits <= QV_BOUND.maxQubits && r.depth <= QV_BOUND.maxDepth;
  return {
    circuit,
    resources: r,
    trainable_parameters: trainableParameters,
    pnu_bound: `quantum volume ${QV_BOUND.quantumVolume}: at most ${QV_BOUND.maxQubits} qubits at depth ${QV_BOUND.maxDepth}`,
    within_pnu_bound: ok,
    ...(note === undefined ? {} : { note }),
  };
}

/** QT-LSTM's circuit (models/sequence/statevector.ts): U3 on every qubit, then a controlled-U3 ring, per layer. */
export function qtCircuitResources(spec: CircuitSpec): CircuitResources {
  const gates = gateList(spec).map((g) => ({ name: g.control < 0 ? 'U3' : 'CU3', qubits: g.control < 0 ? [g.target] : [g.control, g.target] }));
  return resources(spec.qubits, gates);
}
