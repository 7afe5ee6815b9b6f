/**
 * In-graph individual parameters, mirroring `individualParameters` (parameters.ts) row by row:
 * eta = L z with L the lower Cholesky factor packed in theta (row-major), allometry on clearances
 * and volumes, COMED on the baseline, log-normal IIV. Every log-scale parameter is assembled as one
 * [9, B] log vector and exponentiated once; IMAX is expit of its logit. Subjects run along the LAST
 * axis everywhere in this graph: onnxruntime broadcasts fast over long contiguous spans and very
 * slowly over short inner dimensions ([B, 8, 1] x [B, 8, 3] ran ~50x slower than the same work as
 * [3, 8, B]).
 */
import { ALLOMETRY, REFERENCE_BW_KG, thetaSize } from '../structures/parameters.js';
import type { EtaName, FixedEffectName } from '../structures/parameters.js';
import { TWO_COMPARTMENT, type Structure } from '../structures/structure.js';
import type { GraphWriter } from './graph-writer.js';
import { attr, DataType } from '../../worker/onnx/graph-builder.js';
import { effectsOf } from '../structures/covariate-effects.js';

/**
 * Natural-scale [1, B] tensors of one subject per column (plus log IC50, used by the Hill term); a
 * parameter the structure lacks (Q, V2 of one compartment) is '' and never read by its graph.
 */
export interface IndividualTensors {
  readonly CL: string; readonly V1: string; readonly Q: string; readonly V2: string; readonly KA: string;
  readonly R0: string; readonly KOUT: string; readonly IC50: string; readonly logIC50: string; readonly GAMMA: string; readonly IMAX: string;
  /** the effect-compartment rate of a direct-effect structure with one ('' otherwise) */
  readonly KE0: string;
  /** the maximal fractional stimulation of a stimulatory structure ('' otherwise) */
  readonly SMAX: string;
  /** the absorption lag (h) of a lag-time structure ('' otherwise) */
  readonly ALAG: string;
  /** the zero-order absorption duration (h) of a zero-order structure ('' otherwise) */
  readonly D1: string;
  /** the slope (ng/mL per mg/L, identity scale) of a direct linear structure ('' otherwise) */
  readonly SLOPE: string;
  /** the transit rate (1/h) of a transit-delay structure ('' otherwise) */
  readonly KTR: string;
  /** the second peripheral compartment's clearance and volume of a 3-compartment structure ('' otherwise) */
  readonly Q3: string;
  readonly V3: string;
  /** the absorption chain's mean transit time (h) of a transit-absorption structure ('' otherwise) */
  readonly MTT: string;
  /** saturable elimination (mg/h, allometric like CL) and its half-saturation concentration (mg/L) of a Michaelis-Menten structure ('' otherwise) */
  readonly VMAX: string;
  readonly KM: string;
}

const ALL_LOG_PARAMS = ['CL', 'V1', 'Q', 'V2', 'KA', 'R0', 'KOUT', 'IC50', 'GAMMA', 'KE0', 'SMAX', 'ALAG', 'D1', 'KTR', 'Q3', 'V3', 'MTT', 'VMAX', 'KM'] as const satisfies readonly FixedEffectName[];
type LogParam = (typeof ALL_LOG_PARAMS)[number];

const ALLOMETRIC: Partial<Record<LogParam, number>> = { CL: ALLOMETRY.clearance, Q: ALLOMETRY.clearance, V1: ALLOMETRY.volume, V2: ALLOMETRY.volume, Q3: ALLOMETRY.clearance, V3: ALLOMETRY.volume, VMAX: ALLOMETRY.clearance };


/**
 * Inputs in subject-last layout: bwRow, comedRow [1, B]; etaT [K, B] (standard normal z, transposed);
 * thetaT [P_THETA, B] (transposed).
 */
export function individualTensors(w: GraphWriter, inputs: { bwRow: string; comedRow: string; etaT: string; thetaT: string; covariateRows?: Readonly<Record<string, string>>; etaOffsetT?: string }, structure: Structure = TWO_COMPARTMENT): IndividualTensors {
  const fixedIndex = (name: FixedEffectName): number => structure.fixedEffects.findIndex((f) => f.name === name);
  const ETA_NAMES = structure.etaNames;
  const K_ETA = ETA_NAMES.length;
  const P_FIXED = structure.fixedEffects.length;
  const P_THETA = thetaSize(structure);
  const LOG_PARAMS = ALL_LOG_PARAMS.filter((p) => fixedIndex(p) >= 0);
  return w.scoped('individual', () => {
    // eta_i = sum_{j <= i} L_ij z_j: the packed Cholesky entries times z gathered per entry, summed per row i.
    const pairs: { i: number; j: number }[] = [];
    for (let i = 0; i < K_ETA; i += 1) for (let j = 0; j <= i; j += 1) pairs.push({ i, j });
    const chol = w.slice(inputs.thetaT, 0, P_FIXED, P_THETA, 'chol'); // [21, B]
    const zPerEntry = w.gather(inputs.etaT, 0, pairs.map((p) => p.j), 'z_per_entry');
    const rowSum = Array.from({ length: K_ETA }, (_, i) => pairs.map((p) => (p.i === i ? 1 : 0))).flat();
    const lz = w.op('MatMul', [w.floats('row_sum', [K_ETA, pairs.length], rowSum), w.mul(chol, zPerEntry, 'l_times_z')], 'eta'); // [K, B]
    // etaOffsetT [K, B]: a covariate regressor's predicted etas (trajectory-graph.ts EtaOffsetBuilder)
    const eta = inputs.etaOffsetT === undefined ? lz : w.add(lz, inputs.etaOffsetT, 'eta_plus_offset');

    // log p = theta_p + allometry_p * ln(bw / 70) + eta mapped to p + [p = R0] * beta_comed * comed
    const theta = w.gather(inputs.thetaT, 0, LOG_PARAMS.map(fixedIndex), 'theta_log'); // [9, B]
    const logW = w.sub(w.op('Log', [inputs.bwRow], 'log_bw'), w.scalar('log_ref_bw', Math.log(REFERENCE_BW_KG)), 'log_w');
    const allometry = w.mul(w.floats('allometry', [LOG_PARAMS.length, 1], LOG_PARAMS.map((p) => ALLOMETRIC[p] ?? 0)), logW, 'allometric');
    const etaMap = LOG_PARAMS.flatMap((p) => ETA_NAMES.map((e: EtaName) => (p === e ? 1 : 0)));
    const iiv = w.op('MatMul', [w.floats('eta_map', [LOG_PARAMS.length, K_ETA], etaMap), eta], 'iiv');
    // PK-only structures have no baseline, potency or COMED effect: those nodes are not written
    const pd = structure.pd;
    let logP: string;
    if (pd) {
      const beta = w.slice(inputs.thetaT, 0, fixedIndex('BETA_COMED_R0'), fixedIndex('BETA_COMED_R0') + 1, 'beta_comed');
      const comedEffect = w.mul(inputs.comedRow, beta, 'comed_effect');
      const onR0 = w.mul(w.floats('r0_mask', [LOG_PARAMS.length, 1], LOG_PARAMS.map((p) => (p === 'R0' ? 1 : 0))), comedEffect, 'comed_on_r0');
      logP = w.add(w.add(w.add(theta, allometry, 'log_p_cov'), iiv, 'log_p_iiv'), onR0, 'log_p');
    } else logP = w.add(w.add(theta, allometry, 'log_p_cov'), iiv, 'log_p');
    if (effectsOf(structure).length > 0) logP = w.add(logP, declaredEffects(w, inputs, structure, LOG_PARAMS), 'log_p_declared');
    const natural = w.split(w.exp(logP, 'p'), 0, LOG_PARAMS);
    const get = (p: LogParam): string => (LOG_PARAMS.includes(p) ? (natural[LOG_PARAMS.indexOf(p)] ?? '') : '');
    // the direct linear structures have no potency
    const logIC50 = pd && LOG_PARAMS.includes('IC50') ? w.slice(logP, 0, LOG_PARAMS.indexOf('IC50'), LOG_PARAMS.indexOf('IC50') + 1, 'log_IC50') : '';
    // the stimulatory structures (SMAX) have no IMAX
    const IMAX = pd && fixedIndex('IMAX') >= 0 ? w.op('Sigmoid', [w.slice(inputs.thetaT, 0, fixedIndex('IMAX'), fixedIndex('IMAX') + 1, 'logit_IMAX')], 'IMAX') : '';
    const SLOPE = pd && fixedIndex('SLOPE') >= 0 ? w.slice(inputs.thetaT, 0, fixedIndex('SLOPE'), fixedIndex('SLOPE') + 1, 'SLOPE') : '';
    return {
      SLOPE, KTR: get('KTR'),
      CL: get('CL'), V1: get('V1'), Q: get('Q'), V2: get('V2'), KA: get('KA'),
      R0: get('R0'), KOUT: get('KOUT'), IC50: get('IC50'), logIC50, GAMMA: get('GAMMA'), IMAX, KE0: get('KE0'), SMAX: get('SMAX'), ALAG: get('ALAG'), D1: get('D1'),
      Q3: get('Q3'), V3: get('V3'), MTT: get('MTT'), VMAX: get('VMAX'), KM: get('KM'),
    };
  });
}

/**
 * The declared covariate effects (covariate-effects.ts) as one [L, B] term added to log p: per effect
 * beta (its theta column) times the feature of its covariate input row, placed on its parameter's row.
 */
function declaredEffects(w: GraphWriter, inputs: { thetaT: string; covariateRows?: Readonly<Record<string, string>> }, structure: Structure, params: readonly LogParam[]): string {
  let sum = '';
  effectsOf(structure).forEach((e, i) => {
    const x = inputs.covariateRows?.[e.covariate];
    if (x === undefined) throw new RangeError(`graph: covariate input ${e.covariate} (effect ${e.name}) was not given`);
    const at = structure.fixedEffects.findIndex((f) => f.name === e.name);
    const beta = w.slice(inputs.thetaT, 0, at, at + 1, `beta_${i}`);
    const feature = e.form === 'power'
      ? w.sub(w.op('Log', [x], `log_cov_${i}`), w.scalar(`log_ref_${i}`, Math.log(e.reference ?? NaN)), `feature_${i}`)
      : e.form === 'exponential'
        ? w.sub(x, w.scalar(`ref_${i}`, e.reference ?? NaN), `feature_${i}`)
        : w.op('Cast', [w.op('Equal', [x, w.scalar(`level_${i}`, e.level ?? NaN)], `is_level_${i}`)], `feature_${i}`, { to: attr.int(DataType.FLOAT) });
    const mask = w.floats(`effect_mask_${i}`, [params.length, 1], params.map((p) => (p === e.parameter ? 1 : 0)));
    const term = w.mul(mask, w.mul(beta, feature, `effect_${i}`), `effect_on_p_${i}`);
    sum = sum === '' ? term : w.add(sum, term, `effects_${i}`);
  });
  return sum;
}
