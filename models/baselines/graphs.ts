/**
 * The baselines' ONNX graphs under the trajectory contract: inputs dose [B] (mg per dose), bw [B],
 * comed [B], eta [B, 1] (standard normal), theta [B, P] (one parameter-uncertainty draw); output
 * pd [B, 1] on the one-point grid t = 0 h. Neither model has time in it (Emax on the window's average
 * concentration; the logistic link on the dose), so the window maximum is that one value; the
 * reduction head reads it as any other pd. float32 throughout; emax-model.ts and logistic-model.ts
 * are the double-precision references the tests hold the graphs to (<= 1e-4).
 */
import type { ModelProto, NodeProto } from 'onnx-buf';
import { DataType, floatTensor, graph, int64Tensor, model, node, valueInfo } from '../../worker/onnx/graph-builder.js';
import type { ClearanceModel } from './exposure.js';
import { EMAX_THETA_NAMES } from './emax-model.js';
import { BW_CENTRE_KG, BW_SCALE_KG, LOGISTIC_THETA_NAMES } from './logistic-model.js';
import { REFERENCE_BW_KG } from '../structures/parameters.js';

const OPSET = 18;

function inputs(p: number, eta = true) {
  return [
    valueInfo('dose', DataType.FLOAT, ['B']),
    valueInfo('bw', DataType.FLOAT, ['B']),
    valueInfo('comed', DataType.FLOAT, ['B']),
    ...(eta ? [valueInfo('eta', DataType.FLOAT, ['B', 1])] : []),
    valueInfo('theta', DataType.FLOAT, ['B', p]),
  ];
}

/** Column forms [B, 1] of the covariates and theta's columns th0.., so every product broadcasts per row. */
function columns(p: number): { nodes: NodeProto[]; initializers: ReturnType<typeof floatTensor>[] } {
  const nodes = [
    node('Unsqueeze', ['dose', 'axis1'], ['dose_col']),
    node('Unsqueeze', ['bw', 'axis1'], ['bw_col']),
    node('Unsqueeze', ['comed', 'axis1'], ['comed_col']),
    ...Array.from({ length: p }, (_, k) => node('Gather', ['theta', `idx${k}`], [`th${k}`], { axis: { kind: 'int', value: 1 } })),
  ];
  const initializers = [int64Tensor('axis1', [1], [1]), ...Array.from({ length: p }, (_, k) => int64Tensor(`idx${k}`, [1], [k]))];
  return { nodes, initializers };
}

const scalar = (name: string, v: number) => floatTensor(name, [], [v]);

export interface BaselineRegimen {
  readonly name: 'QD' | 'QW';
  readonly tag: 'qd' | 'qw';
  readonly tauH: number;
}

export const BASELINE_REGIMENS: readonly BaselineRegimen[] = [
  { name: 'QD', tag: 'qd', tauH: 24 },
  { name: 'QW', tag: 'qw', tauH: 168 },
];

/**
 * pd = E0 + E_COMED comed - IMAX C / (EC50 + C) + SIGMA eta, C = dose / (CL70 (bw/70)^0.75 tau);
 * without the residual (the typical-subject curve) no eta input and theta without log SIGMA.
 */
export function buildEmaxGraph(cl: Pick<ClearanceModel, 'cl70LPerH' | 'exponent'>, regimen: BaselineRegimen, metadata: Readonly<Record<string, string>>, residual = true): ModelProto {
  const P = residual ? EMAX_THETA_NAMES.length : EMAX_THETA_NAMES.length - 1;
  const c = columns(P);
  const nodes = [
    ...c.nodes,
    node('Div', ['bw_col', 'ref_bw'], ['bw_rel']),
    node('Pow', ['bw_rel', 'cl_exponent'], ['bw_factor']),
    node('Mul', ['bw_factor', 'cl70_tau'], ['cl_tau']),
    node('Div', ['dose_col', 'cl_tau'], ['cavg']),
    node('Exp', ['th3'], ['ec50']),
    node('Add', ['ec50', 'cavg'], ['ec50_plus_c']),
    node('Div', ['cavg', 'ec50_plus_c'], ['occupancy']),
    node('Mul', ['th2', 'occupancy'], ['drop']),
    node('Mul', ['th1', 'comed_col'], ['comed_shift']),
    node('Add', ['th0', 'comed_shift'], ['baseline']),
    ...(residual
      ? [node('Sub', ['baseline', 'drop'], ['effect']), node('Exp', ['th4'], ['sigma']), node('Mul', ['sigma', 'eta'], ['residual']), node('Add', ['effect', 'residual'], ['pd'])]
      : [node('Sub', ['baseline', 'drop'], ['pd'])]),
  ];
  const initializers = [...c.initializers, scalar('ref_bw', REFERENCE_BW_KG), scalar('cl_exponent', cl.exponent), scalar('cl70_tau', cl.cl70LPerH * regimen.tauH)];
  const g = graph({ name: `emax_cavg_${regimen.tag}`, nodes, inputs: inputs(P, residual), outputs: [valueInfo('pd', DataType.FLOAT, ['B', 1])], initializers });
  return model({ graph: g, opset: OPSET, docString: `qusop Emax-on-Cavg baseline, regimen ${regimen.name} (tau ${regimen.tauH} h)`, metadata });
}

/** pd = THRESHOLD exp(Phi(eta) - sigmoid(x' b)), x = [1, (bw - 70)/10, comed, dose (24/tau) / bw]. */
export function buildLogisticGraph(thresholdNgMl: number, regimen: BaselineRegimen, metadata: Readonly<Record<string, string>>): ModelProto {
  const P = LOGISTIC_THETA_NAMES.length;
  const c = columns(P);
  const nodes = [
    ...c.nodes,
    node('Sub', ['bw_col', 'bw_centre'], ['bw_shift']),
    node('Div', ['bw_shift', 'bw_scale'], ['bw_std']),
    node('Mul', ['dose_col', 'per_day'], ['daily_dose']),
    node('Div', ['daily_dose', 'bw_col'], ['dose_per_kg']),
    node('Mul', ['th1', 'bw_std'], ['t_bw']),
    node('Mul', ['th2', 'comed_col'], ['t_comed']),
    node('Mul', ['th3', 'dose_per_kg'], ['t_dose']),
    node('Add', ['th0', 't_bw'], ['s1']),
    node('Add', ['s1', 't_comed'], ['s2']),
    node('Add', ['s2', 't_dose'], ['logit_p']),
    node('Sigmoid', ['logit_p'], ['p_success']),
    node('Mul', ['eta', 'inv_sqrt2'], ['eta_scaled']),
    node('Erf', ['eta_scaled'], ['erf_eta']),
    node('Add', ['erf_eta', 'one'], ['erf_plus_one']),
    node('Mul', ['erf_plus_one', 'half'], ['uniform']),
    node('Sub', ['uniform', 'p_success'], ['u_minus_p']),
    node('Exp', ['u_minus_p'], ['ratio']),
    node('Mul', ['ratio', 'threshold'], ['pd']),
  ];
  const initializers = [
    ...c.initializers,
    scalar('bw_centre', BW_CENTRE_KG),
    scalar('bw_scale', BW_SCALE_KG),
    scalar('per_day', 24 / regimen.tauH),
    scalar('inv_sqrt2', Math.SQRT1_2),
    scalar('one', 1),
    scalar('half', 0.5),
    scalar('threshold', thresholdNgMl),
  ];
  const g = graph({ name: `logistic_link_${regimen.tag}`, nodes, inputs: inputs(P), outputs: [valueInfo('pd', DataType.FLOAT, ['B', 1])], initializers });
  return model({ graph: g, opset: OPSET, docString: `qusop logistic-link baseline (success surrogate at ${thresholdNgMl} ng/mL), regimen ${regimen.name} (tau ${regimen.tauH} h)`, metadata });
}
