/**
 * The known-answer trajectory model: a TEST model whose attainment probability has a closed form
 * (see exact.ts and README.md), so the whole engine — sampling, ONNX inference, reduction head,
 * aggregation, decisions — can be checked against an exact answer. It is not a pharmacological model.
 *
 *   pd_i(t) = base_i * (1 - emax * h_i * s(t))
 *   base_i  = exp(mu + betaComed * comed_i + omega * eta_i)      eta_i ~ N(0, 1), K = 1
 *   h_i     = x_i / (x_i + ec50),  x_i = dose_i / (bw_i * tauDays)   (mg/kg/day)
 *   s(t)    = smin + (1 - smin) * 0.5 * (1 + cos(2 pi t / tau)),  t_j = j * tau / T
 *
 * Parameters are dyadic rationals so the float32 constants in the graph equal the double ones that
 * exact.ts uses. They were chosen so that, for BW ~ U(51, 100) kg, COMED ~ Bernoulli(0.5) and a
 * 3.3 ng/mL threshold, the 75 % and 90 % minimal doses sit inside the grids with p(d) moving by
 * >= 0.009 per grid step and the target at least 0.004 away from p on either side of the crossing.
 */
import type { ModelProto } from 'onnx-buf';
import { DataType, floatTensor, graph, int64Tensor, model, node, valueInfo } from '../../worker/onnx/graph-builder.js';

export interface KnownAnswerParams {
  /** log baseline (ng/mL) for COMED = 0, eta = 0 */
  readonly mu: number;
  readonly betaComed: number;
  /** SD of log baseline between subjects (the graph applies it to a standard-normal eta) */
  readonly omega: number;
  readonly emax: number;
  readonly ec50MgPerKgDay: number;
}

export interface KnownAnswerRegimen {
  readonly name: 'QD' | 'QW';
  /** lowercase tag used in file names: qd.onnx, qw.model.json */
  readonly tag: 'qd' | 'qw';
  readonly tauH: number;
  /** T, even so that t = tau/2 (the minimum of s, hence the maximum of pd) is on the grid */
  readonly gridPoints: number;
  /** trough of the exposure shape s(t); a lower smin means more fluctuation within the interval */
  readonly smin: number;
}

export const KNOWN_ANSWER_PARAMS: KnownAnswerParams = {
  mu: 1.3125,
  betaComed: 0.25,
  omega: 0.125,
  emax: 0.9375,
  ec50MgPerKgDay: 0.1875,
};

export const KNOWN_ANSWER_REGIMENS: { readonly qd: KnownAnswerRegimen; readonly qw: KnownAnswerRegimen } = {
  qd: { name: 'QD', tag: 'qd', tauH: 24, gridPoints: 48, smin: 0.875 },
  qw: { name: 'QW', tag: 'qw', tauH: 168, gridPoints: 168, smin: 0.6875 },
};

/** t_j = j * tau / T, j = 0..T-1 (hours within the dosing window). */
export function timeGridH(regimen: KnownAnswerRegimen): number[] {
  return Array.from({ length: regimen.gridPoints }, (_, j) => (j * regimen.tauH) / regimen.gridPoints);
}

/** s(t): 1 at t = 0 (peak exposure), smin at t = tau/2. */
export function exposureShape(regimen: KnownAnswerRegimen, tH: number): number {
  return regimen.smin + (1 - regimen.smin) * 0.5 * (1 + Math.cos((2 * Math.PI * tH) / regimen.tauH));
}

export function tauDays(regimen: KnownAnswerRegimen): number {
  return regimen.tauH / 24;
}

/** The graph: inputs dose [B], bw [B], comed [B], eta [B,1] (float32); output pd [B,T] (float32). */
export function buildKnownAnswerModel(params: KnownAnswerParams, regimen: KnownAnswerRegimen): ModelProto {
  const T = regimen.gridPoints;
  const s = timeGridH(regimen).map((t) => exposureShape(regimen, t));
  const scalar = (name: string, v: number) => floatTensor(name, [], [v]);
  // Column form [B,1] throughout, so the last Mul broadcasts against s [1,T] into [B,T].
  const nodes = [
    node('Unsqueeze', ['dose', 'axis1'], ['dose_col']),
    node('Unsqueeze', ['bw', 'axis1'], ['bw_col']),
    node('Unsqueeze', ['comed', 'axis1'], ['comed_col']),
    node('Mul', ['comed_col', 'beta_comed'], ['comed_effect']),
    node('Add', ['mu', 'comed_effect'], ['log_base_fixed']),
    node('Mul', ['eta', 'omega'], ['eta_effect']),
    node('Add', ['log_base_fixed', 'eta_effect'], ['log_base']),
    node('Exp', ['log_base'], ['base']),
    node('Mul', ['bw_col', 'tau_days'], ['bw_days']),
    node('Div', ['dose_col', 'bw_days'], ['x_mg_per_kg_day']),
    node('Add', ['x_mg_per_kg_day', 'ec50'], ['x_plus_ec50']),
    node('Div', ['x_mg_per_kg_day', 'x_plus_ec50'], ['h']),
    node('Mul', ['h', 'emax'], ['effect']),
    node('Mul', ['effect', 's'], ['effect_t']),
    node('Sub', ['one', 'effect_t'], ['remaining']),
    node('Mul', ['base', 'remaining'], ['pd']),
  ];
  const initializers = [
    int64Tensor('axis1', [1], [1]),
    scalar('mu', params.mu),
    scalar('beta_comed', params.betaComed),
    scalar('omega', params.omega),
    scalar('emax', params.emax),
    scalar('ec50', params.ec50MgPerKgDay),
    scalar('tau_days', tauDays(regimen)),
    scalar('one', 1),
    floatTensor('s', [1, T], s),
  ];
  const g = graph({
    name: `known_answer_${regimen.tag}`,
    nodes,
    inputs: [
      valueInfo('dose', DataType.FLOAT, ['B']),
      valueInfo('bw', DataType.FLOAT, ['B']),
      valueInfo('comed', DataType.FLOAT, ['B']),
      valueInfo('eta', DataType.FLOAT, ['B', 1]),
    ],
    outputs: [valueInfo('pd', DataType.FLOAT, ['B', T])],
    initializers,
    docString: 'TEST MODEL with a closed-form attainment probability (qusop models/testmodel/README.md)',
  });
  return model({
    graph: g,
    opset: 18,
    docString: `qusop known-answer test model, regimen ${regimen.name} (tau ${regimen.tauH} h, T ${T})`,
    metadata: { test_model: 'true', family: 'test-known-answer', regimen: regimen.name },
  });
}
