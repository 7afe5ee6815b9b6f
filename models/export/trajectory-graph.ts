/**
 * The population model's trajectory graph for one regimen (the DESIGN.md contract):
 *   inputs  dose [B] (mg), bw [B] (kg), comed [B] (0/1), eta [B, 6] (standard normal z), theta [B, P_THETA]
 *   outputs pd [B, T] (ng/mL), conc [B, T] (mg/L) on the regimen grid (time-grid.ts), steady state.
 * individual.ts -> pk-steady-state.ts (C at the 2T grid nodes; 3 compartments: pk3-steady-state.ts) -> pd-periodic.ts (R on the T outputs;
 * indirect responses II-IV: pd-turnover.ts; direct effects and direct linear: pd-direct.ts; transit chain: pd-transit.ts).
 * An IV infusion regimen (the grid's infusionH: infusion-regimen.ts) swaps the IV bolus modes for the infusion's
 * periodic input: pk-zero-order-steady-state.ts (1, 2 compartments), pk3-steady-state.ts, pk-mm-steady-state.ts,
 * and the effect site pd-effect-infusion.ts.
 * The graph holds no fitted numbers: the population and its uncertainty arrive through theta, so one
 * ONNX file serves every draw; the card carries the draws.
 */
import type { ModelProto } from 'onnx-buf';
import { attr, DataType, graph, model, valueInfo } from '../../worker/onnx/graph-builder.js';
import { thetaSize } from '../structures/parameters.js';
import { TWO_COMPARTMENT, type Structure } from '../structures/structure.js';
import { covariateInputs } from '../structures/covariate-effects.js';
import { oneCompartmentModes } from './pk1-steady-state.js';
import { ivBolusModes } from './pk-iv-steady-state.js';
import { bolusCoefficientModes, zeroOrderConcentrationAt } from './pk-zero-order-steady-state.js';
import { infusionEffectConcentrationAt } from './pd-effect-infusion.js';
import { threeCompartmentBolusModes, threeCompartmentInfusionConcentrationAt } from './pk3-steady-state.js';
import { transitAbsorptionConcentrationAt } from './pk-transit-absorption-steady-state.js';
import { hasTransitAbsorption } from '../structures/transit-absorption-structures.js';
import { michaelisMentenConcentrationAt } from './pk-mm-steady-state.js';
import { GraphWriter } from './graph-writer.js';
import { individualTensors } from './individual.js';
import { directBiomarker, effectConcentrationAt, linearBiomarker } from './pd-direct.js';
import { transitBiomarker } from './pd-transit.js';
import { inhibitionAt, periodicBiomarker } from './pd-periodic.js';
import { concentrationAt, steadyStateModes } from './pk-steady-state.js';
import { turnoverBiomarker } from './pd-turnover.js';
import { nodeTimesH } from './time-grid.js';
import { sweepsInfusion } from './infusion-regimen.js';
import type { RegimenGrid } from './time-grid.js';

/** The shipped structure's family (each structure names its own: structure.ts). */
export const POPULATION_FAMILY = TWO_COMPARTMENT.family;
export const OUTPUTS = { pd: 'pd', conc: 'conc' } as const;

/**
 * Extra eta offsets [K, B] computed inside the graph from the covariate rows ([1, B] each), added to
 * L z before the individual parameters (models/qkernel: a kernel regressor's predicted etas). Absent
 * (every other graph) nothing is added and no node is written.
 */
export type EtaOffsetBuilder = (w: GraphWriter, rows: { readonly bwRow: string; readonly comedRow: string; readonly covariateRows: Readonly<Record<string, string>> }) => string;

export function buildTrajectoryGraph(grid: RegimenGrid, structure: Structure = TWO_COMPARTMENT, etaOffset?: EtaOffsetBuilder): ModelProto {
  const T = grid.timesH.length;
  const w = new GraphWriter();
  const extra = covariateInputs(structure).map((c) => c.name);
  for (const name of ['dose', 'bw', 'comed', ...extra, 'eta', 'theta']) w.fresh(name, true);
  // subjects on the last axis throughout (see individual.ts)
  const row = (x: string): string => w.unsqueeze(x, [0], `${x}_row`);
  const transposed = (x: string): string => w.op('Transpose', [x], `${x}_t`, { perm: attr.ints([1, 0]) });
  const covariateRows: { covariateRows?: Record<string, string> } = extra.length === 0 ? {} : { covariateRows: Object.fromEntries(extra.map((c) => [c, row(c)])) };
  // the rows in the order the graphs always wrote them (the shipped graphs' bytes)
  const bwRow = row('bw');
  const comedRow = row('comed');
  const etaT = transposed('eta');
  const thetaT = transposed('theta');
  const offset = etaOffset === undefined ? {} : { etaOffsetT: w.scoped('eta_offset', () => etaOffset(w, { bwRow, comedRow, covariateRows: covariateRows.covariateRows ?? {} })) };
  const p = individualTensors(w, { bwRow, comedRow, etaT, thetaT, ...covariateRows, ...offset }, structure);
  // saturable elimination (PK-only): shooting with RK4 inside the graph (pk-mm-steady-state.ts), the T outputs alone
  const mm = structure.absent.VMAX === undefined;
  // an IV infusion regimen (infusion-regimen.ts): the zero-order input's steady state with the duration fixed
  // (3 compartments: pk3-steady-state.ts; the effect site: pd-effect-infusion.ts)
  const infusionH = infusionOf(grid, structure);
  // a PK-only or direct-effect structure reads C at the T outputs alone
  const outputsOnly = (!structure.pd || structure.directEffect !== undefined) && structure.transit === undefined;
  const modes = structure.route === 'zero-order' || hasTransitAbsorption(structure) || mm || infusionH !== undefined ? undefined : structure.compartments === 3
    ? threeCompartmentBolusModes(w, p, row('dose'), grid.tauH)
    : structure.route === 'iv'
      ? ivBolusModes(w, p, row('dose'), grid.tauH, structure.compartments)
      : structure.compartments === 1 ? oneCompartmentModes(w, p, row('dose'), grid.tauH) : steadyStateModes(w, p, row('dose'), grid.tauH);
  // zero-order absorption over D1 (PK-only): its own piecewise steady state (pk-zero-order-steady-state.ts);
  // 3-compartment oral (PK-only: the T outputs alone): the bolus modes through the absorption (pk3-steady-state.ts)
  // transit-compartment absorption (PK-only: the T outputs alone): the chain's exact propagator (pk-transit-absorption-steady-state.ts)
  const concNodes = hasTransitAbsorption(structure)
    ? transitAbsorptionConcentrationAt(w, p, row('dose'), nodeTimesH(grid).slice(0, T), grid.tauH, transitCompartments(structure))
    : mm
    ? michaelisMentenConcentrationAt(w, p, row('dose'), nodeTimesH(grid).slice(0, T), grid.tauH, structure.route === 'iv', infusionH)
    : infusionH !== undefined && structure.compartments === 3
    ? threeCompartmentInfusionConcentrationAt(w, p, row('dose'), nodeTimesH(grid).slice(0, T), grid.tauH, infusionH) // PK-only: the T outputs alone
    : infusionH !== undefined
    // the panel midpoints only for a biomarker integrated over the interval (turnover, transit, periodic)
    ? zeroOrderConcentrationAt(w, { ...p, D1: w.scalar('infusion_h', infusionH) }, row('dose'), nodeTimesH(grid).slice(0, outputsOnly ? T : undefined), grid.tauH, zeroOrderCompartments(structure))
    : modes === undefined
    ? zeroOrderConcentrationAt(w, p, row('dose'), nodeTimesH(grid), grid.tauH, zeroOrderCompartments(structure))
    : structure.compartments === 3 && structure.route === 'oral'
    ? effectConcentrationAt(w, modes, p.KA, nodeTimesH(grid).slice(0, T), grid.tauH)
    : concentrationAt(w, modes, nodeTimesH(grid), p.ALAG === '' ? undefined : { row: p.ALAG, tauH: grid.tauH }); // [2T, B]
  // IV bolus: the outputs close the window at tau (time-grid.ts outputTimesH): C(0+), C(t_1..t_{T-1}), C(tau-)
  // (saturable elimination has no modes: its peak is its trough plus the bolus over V1)
  const ivWindow = structure.route === 'iv' && infusionH === undefined && (modes !== undefined || mm);
  // C(0+) [1, B], computed once: the IV outputs' t_0 and the turnover's first panel both start there
  const ivPeak = !ivWindow ? undefined : modes !== undefined ? concentrationAt(w, modes, [0]) : w.add(w.slice(concNodes, 0, 0, 1, 'conc_before_dose'), w.div(row('dose'), p.V1, 'bolus_conc'), 'conc_after_dose');
  const concByTime = ivPeak !== undefined
    ? w.op('Concat', [ivPeak, w.slice(concNodes, 0, 1, T, 'conc_after_first'), w.slice(concNodes, 0, 0, 1, 'conc_trough')], 'conc_by_time', { axis: attr.int(0) })
    : w.slice(concNodes, 0, 0, T, 'conc_by_time');
  w.op('Transpose', [concByTime], OUTPUTS.conc, { perm: attr.ints([1, 0]) }, true);
  // a biomarker driven by plasma directly jumps with C: computed from the outputs' C (T + 1 values for IV);
  // the others are continuous through the dose (effect compartment, turnover, transit): T values, then t_0's again at tau
  const plasmaDriven = structure.directEffect !== undefined && (structure.directEffect.linear === true || !structure.directEffect.effectCompartment);
  const pdOut = ivWindow && !plasmaDriven ? 'pd_open_window' : OUTPUTS.pd;
  const concOutputs = (): string => (ivWindow ? concByTime : w.slice(concNodes, 0, 0, T, 'conc_outputs'));
  if (structure.pd && modes === undefined && infusionH === undefined) throw new RangeError(`graph: ${structure.id} has a biomarker but no PK modes (zero-order structures are PK-only)`);
  // an IV bolus makes C jump at the dose: the turnover's first panel starts at C(0+), not at the node's C(tau-)
  const afterDose = structure.route === 'iv' && structure.pd && modes !== undefined && structure.directEffect === undefined && structure.transit === undefined ? ivPeak : undefined; // [1, B]
  if (structure.directEffect?.linear === true) linearBiomarker(w, p, concOutputs(), pdOut);
  else if (structure.transit !== undefined) transitBiomarker(w, p, concNodes, grid, pdOut);
  else if (structure.directEffect !== undefined && (modes !== undefined || infusionH !== undefined)) {
    const atOutputs = !structure.directEffect.effectCompartment ? concOutputs()
      : modes !== undefined ? effectConcentrationAt(w, modes, p.KE0, grid.timesH, grid.tauH)
      // an IV infusion regimen: the effect site of the zero-order input's periodic steady state (pd-effect-infusion.ts)
      : infusionEffectConcentrationAt(w, w.scoped('pk_effect', () => bolusCoefficientModes(w, p, row('dose'), zeroOrderCompartments(structure))), p.KE0, grid.timesH, grid.tauH, infusionH ?? NaN);
    directBiomarker(w, p, atOutputs, pdOut, structure.directEffect.stimulatory === true);
  } else if (structure.turnover !== undefined) turnoverBiomarker(w, p, concNodes, grid, structure.turnover, pdOut, afterDose);
  else if (structure.pd) periodicBiomarker(w, p, inhibitionAt(w, p, concNodes), grid, pdOut, afterDose === undefined ? undefined : inhibitionAt(w, p, afterDose));
  // a continuous biomarker's value at tau is its value at t_0
  if (ivWindow && structure.pd && !plasmaDriven) w.op('Concat', [pdOut, w.slice(pdOut, 1, 0, 1, 'pd_at_tau')], OUTPUTS.pd, { axis: attr.int(1) }, true);
  const g = graph({
    name: `popmodel_${grid.tag}`,
    nodes: w.nodes,
    inputs: [
      valueInfo('dose', DataType.FLOAT, ['B']),
      valueInfo('bw', DataType.FLOAT, ['B']),
      valueInfo('comed', DataType.FLOAT, ['B']),
      ...extra.map((c) => valueInfo(c, DataType.FLOAT, ['B'])),
      valueInfo('eta', DataType.FLOAT, ['B', structure.etaNames.length]),
      valueInfo('theta', DataType.FLOAT, ['B', thetaSize(structure)]),
    ],
    outputs: [...(structure.pd ? [valueInfo(OUTPUTS.pd, DataType.FLOAT, ['B', T + (ivWindow ? 1 : 0)])] : []), valueInfo(OUTPUTS.conc, DataType.FLOAT, ['B', T + (ivWindow ? 1 : 0)])],
    initializers: w.initializers,
    // the old README path is part of the shipped graphs' bytes (see population-model.ts)
    docString: structure === TWO_COMPARTMENT
      ? `steady-state 2-compartment PK + indirect-response PD, regimen ${grid.name} (qusop models/popmodel/README.md)`
      : `steady-state ${structure.description}, regimen ${grid.name} (qusop models/structures/structure.ts, ${structure.id})`,
  });
  return model({
    graph: g,
    opset: 18,
    docString: `qusop population PK/PD model, regimen ${grid.name} (tau ${grid.tauH} h, T ${T}${infusionH === undefined ? '' : `, ${infusionH} h IV infusions`})`,
    metadata: { family: structure.family, regimen: grid.name, test_model: 'false' },
  });
}

/** The infusion the graph sweeps: the grid's, for a structure that can (infusion-regimen.ts); anything else is refused. */
function infusionOf(grid: RegimenGrid, structure: Structure): number | undefined {
  if (!((grid.infusionH ?? 0) > 0)) return undefined;
  if (!sweepsInfusion(structure)) throw new RangeError(`graph: ${structure.id} has no IV infusion regimen (infusion-regimen.ts sweepsInfusion)`);
  return grid.infusionH;
}

/** The transit-absorption structures have 1 or 2 compartments (transit-absorption-structures.ts). */
function transitCompartments(structure: Structure): 1 | 2 {
  if (structure.compartments === 3 || structure.pd) throw new RangeError(`graph: ${structure.id}: transit absorption has a graph for 1 or 2 compartments, PK-only`);
  return structure.compartments;
}

/** The zero-order structures have 1 or 2 compartments (zero-order-structures.ts): a 3-compartment one has no graph yet. */
function zeroOrderCompartments(structure: Structure): 1 | 2 {
  if (structure.compartments === 3) throw new RangeError(`graph: ${structure.id}: no zero-order absorption graph for 3 compartments`);
  return structure.compartments;
}
