/**
 * The known truths of the library selection bench (library-structures.ts): per library structure its
 * typical values, IIV (Omega diagonal, variances 0.04-0.16), residual error (PK proportional 10-20 %,
 * PD additive ~5 % of the baseline), the candidates a trial of it is fitted with, the question it is
 * asked, and which other structures count as observationally equivalent.
 *
 * Elimination speeds vary on purpose: half-lives from ~20 h (fast, where a weekly trough needs large
 * doses) to ~130 h (EstData's drug). Values are not EstData's fit, except the 2-compartment PK/PD one.
 *
 * Candidates follow `qusop fit`: PK-only truths see the default PK candidates of their route
 * (`candidatesFor(false, route)`) plus, for the lag truth, 1cmt-oral-lag (the lag structures are
 * `--structure` only); PK/PD truths see the default IDR ones (1cmt-oral-idr, 2cmt-oral-idr) plus the
 * truth's own PD family on both PK bodies, fitted in stages (analysis/fit/pk-stage.ts: the PK on the
 * concentrations first, PK/PD bodies more than 10 BIC worse not fitted).
 *
 * Observational equivalence (counted apart from an exact choice): a structure of which the truth is a
 * limit, with the truth's PD: 2 compartments for a 1-compartment truth (Q -> 0 or V2 -> 0), a lag for a
 * lag-free truth (ALAG -> 0), an effect compartment for a plasma-driven one (KE0 -> infinity). A fit at
 * such a limit is caught by the degeneracy screen, so an equivalent choice is one whose extra parameter
 * the data could not reject. Nothing else counts (e.g. an IDR for a direct-effect truth does not).
 */
import { FIXED_EFFECTS, type EtaName, type FixedEffectName, type PopulationParameters } from '../../models/structures/parameters.js';
import { structureById, type Structure, type StructureId } from '../../models/structures/structure.js';

export interface LibraryTruth {
  readonly structure: Structure;
  readonly truth: PopulationParameters;
  /** the candidates the trial is fitted with */
  readonly candidates: readonly StructureId[];
  /** the question: trough concentration >= threshold (PK), max biomarker <= (inhibition) or min biomarker >= (stimulation) */
  readonly question: { readonly endpoint: 'concentration' | 'biomarker'; readonly statistic: 'trough' | 'max' | 'min'; readonly comparison: '>=' | '<=' };
}

/** The namespace record with every parameter at its neutral value, then the truth's own. */
function fixedOf(values: Partial<Record<FixedEffectName, number>>): PopulationParameters['fixed'] {
  return { ...(Object.fromEntries(FIXED_EFFECTS.map((f) => [f.name, f.neutral])) as Record<FixedEffectName, number>), ...values };
}

/** Omega (diagonal) over the structure's etas, from variances by name. */
function omegaOf(s: Structure, variances: Partial<Record<EtaName, number>>): number[][] {
  return s.etaNames.map((a, i) => s.etaNames.map((_, j) => (i === j ? (variances[a] ?? NaN) : 0)));
}

function truth(id: StructureId, fixed: Partial<Record<FixedEffectName, number>>, variances: Partial<Record<EtaName, number>>, sigma: PopulationParameters['sigma'], candidates: readonly StructureId[], question: LibraryTruth['question']): LibraryTruth {
  const structure = structureById(id);
  const omega = omegaOf(structure, variances);
  if (omega.some((row) => row.some((v) => !Number.isFinite(v)))) throw new Error(`${id}: a variance is missing for one of its etas (${structure.etaNames.join(', ')})`);
  if (!candidates.includes(id)) throw new Error(`${id}: the candidates must include the true structure`);
  return { structure, truth: { fixed: fixedOf(fixed), omega, sigma }, candidates, question };
}

const TROUGH = { endpoint: 'concentration', statistic: 'trough', comparison: '>=' } as const;
const INHIBITED = { endpoint: 'biomarker', statistic: 'max', comparison: '<=' } as const;
const STIMULATED = { endpoint: 'biomarker', statistic: 'min', comparison: '>=' } as const;
const PK_ORAL = ['1cmt-oral', '2cmt-oral'] as const;
const IDR = ['1cmt-oral-idr', '2cmt-oral-idr'] as const;
const PD = { R0: 10, BETA_COMED_R0: -0.25 };

/** Every truth the bench knows, in report order; the command line picks some by id. */
export const LIBRARY_TRUTHS: readonly LibraryTruth[] = [
  // half-life ~77 h
  truth('1cmt-oral', { CL: 0.09, V1: 10, KA: 0.8 }, { CL: 0.09, V1: 0.04, KA: 0.16 }, { pkProportional: 0.15, pkAdditive: 0.005, pdAdditive: 0 }, PK_ORAL, TROUGH),
  // distribution ~4 h, terminal half-life ~190 h
  truth('2cmt-oral', { CL: 0.06, V1: 3, Q: 0.4, V2: 12, KA: 1.5 }, { CL: 0.09, V1: 0.04, KA: 0.09 }, { pkProportional: 0.12, pkAdditive: 0.005, pdAdditive: 0 }, PK_ORAL, TROUGH),
  // half-life ~110 h, doses reach the depot 0.75 h late
  truth('1cmt-oral-lag', { CL: 0.05, V1: 8, KA: 1.2, ALAG: 0.75 }, { CL: 0.09, V1: 0.04, KA: 0.09 }, { pkProportional: 0.1, pkAdditive: 0.005, pdAdditive: 0 }, [...PK_ORAL, '1cmt-oral-lag'], TROUGH),
  // IV (EstData's doses as boluses): half-life ~55 h
  truth('1cmt-iv', { CL: 0.15, V1: 12 }, { CL: 0.12, V1: 0.06 }, { pkProportional: 0.2, pkAdditive: 0.005, pdAdditive: 0 }, ['1cmt-iv', '2cmt-iv'], TROUGH),
  // IV: distribution ~5 h, terminal half-life ~140 h
  truth('2cmt-iv', { CL: 0.1, V1: 4, Q: 0.5, V2: 15 }, { CL: 0.09, V1: 0.04 }, { pkProportional: 0.1, pkAdditive: 0.005, pdAdditive: 0 }, ['1cmt-iv', '2cmt-iv'], TROUGH),
  // EstData-like PK (half-life ~130 h), turnover half-life ~23 h
  truth('1cmt-oral-idr', { CL: 0.044, V1: 8.4, KA: 1, ...PD, KOUT: 0.03, IMAX: 0.9, IC50: 1.2, GAMMA: 1 }, { CL: 0.09, V1: 0.04, KA: 0.09, R0: 0.04, KOUT: 0.04, IC50: 0.09 }, { pkProportional: 0.1, pkAdditive: 0.002, pdAdditive: 0.5 }, IDR, INHIBITED),
  // faster PK (half-life ~90 h), an effect compartment of ~14 h half-life
  truth('1cmt-oral-ke0-imax', { CL: 0.07, V1: 9, KA: 0.9, ...PD, IMAX: 0.85, IC50: 1.5, GAMMA: 1.3, KE0: 0.05 }, { CL: 0.09, V1: 0.04, KA: 0.09, R0: 0.04, IC50: 0.09 }, { pkProportional: 0.12, pkAdditive: 0.002, pdAdditive: 0.6 }, ['1cmt-oral-ke0-imax', '2cmt-oral-ke0-imax', ...IDR], INHIBITED),
  // stimulated production (IDR III), turnover half-life ~17 h
  truth('1cmt-oral-idr3', { CL: 0.044, V1: 8.4, KA: 1, ...PD, KOUT: 0.04, SMAX: 1.8, IC50: 1.2, GAMMA: 1 }, { CL: 0.09, V1: 0.04, KA: 0.09, R0: 0.04, KOUT: 0.04, IC50: 0.09 }, { pkProportional: 0.1, pkAdditive: 0.002, pdAdditive: 0.5 }, ['1cmt-oral-idr3', '2cmt-oral-idr3', ...IDR], STIMULATED),
  // the shipped EstData fit's structure, values rounded
  truth('2cmt-oral-idr', { CL: 0.044, V1: 2.8, Q: 0.17, V2: 5.7, KA: 1, ...PD, KOUT: 0.015, IMAX: 0.93, IC50: 1.1, GAMMA: 0.95 }, { CL: 0.09, V1: 0.04, KA: 0.05, R0: 0.04, KOUT: 0.04, IC50: 0.06 }, { pkProportional: 0.1, pkAdditive: 0.001, pdAdditive: 0.7 }, IDR, INHIBITED),
  // direct plasma-driven stimulatory Emax, fast PK (half-life ~30 h)
  truth('1cmt-oral-emax', { CL: 0.2, V1: 9, KA: 1.2, ...PD, SMAX: 1.5, IC50: 0.8, GAMMA: 1.2 }, { CL: 0.09, V1: 0.04, KA: 0.09, R0: 0.04, IC50: 0.09 }, { pkProportional: 0.15, pkAdditive: 0.002, pdAdditive: 0.6 }, ['1cmt-oral-emax', '2cmt-oral-emax', ...IDR], STIMULATED),
  // stimulatory sigmoid Emax through an effect compartment of ~9 h half-life, PK half-life ~70 h; its
  // plasma-driven limit (ke0 -> infinity) and the stimulating IDR compete
  truth('1cmt-oral-ke0-emax', { CL: 0.1, V1: 10, KA: 1, ...PD, SMAX: 1.6, IC50: 1.5, GAMMA: 1.5, KE0: 0.08 }, { CL: 0.09, V1: 0.04, KA: 0.09, R0: 0.04, IC50: 0.09 }, { pkProportional: 0.12, pkAdditive: 0.002, pdAdditive: 0.6 }, ['1cmt-oral-ke0-emax', '2cmt-oral-ke0-emax', '1cmt-oral-emax', '1cmt-oral-idr3', ...IDR], STIMULATED),
  // two-compartment PK (distribution ~5 h, terminal half-life ~200 h) into an effect compartment of ~23 h half-life, inhibitory
  truth('2cmt-oral-ke0-imax', { CL: 0.06, V1: 4, Q: 0.4, V2: 12, KA: 1.2, ...PD, IMAX: 0.85, IC50: 2, GAMMA: 1.2, KE0: 0.03 }, { CL: 0.09, V1: 0.04, KA: 0.09, R0: 0.04, IC50: 0.09 }, { pkProportional: 0.1, pkAdditive: 0.002, pdAdditive: 0.6 }, ['1cmt-oral-ke0-imax', '2cmt-oral-ke0-imax', ...IDR], INHIBITED),
  // structures no earlier study had as a truth, answered with `qusop fit`'s default candidates (--candidates default):
  // stimulated loss (IDR IV), PK half-life ~100 h, turnover half-life ~14 h
  truth('1cmt-oral-idr4', { CL: 0.06, V1: 9, KA: 1.1, ...PD, KOUT: 0.05, SMAX: 2.5, IC50: 1.5, GAMMA: 1 }, { CL: 0.09, V1: 0.04, KA: 0.09, R0: 0.04, KOUT: 0.04, IC50: 0.09 }, { pkProportional: 0.1, pkAdditive: 0.002, pdAdditive: 0.4 }, ['1cmt-oral-idr4', '2cmt-oral-idr4', ...IDR], INHIBITED),
  // inhibited loss (IDR II: the biomarker rises), turnover half-life ~35 h
  truth('1cmt-oral-idr2', { CL: 0.08, V1: 10, KA: 0.9, ...PD, KOUT: 0.02, IMAX: 0.7, IC50: 1, GAMMA: 1 }, { CL: 0.09, V1: 0.04, KA: 0.09, R0: 0.04, KOUT: 0.04, IC50: 0.09 }, { pkProportional: 0.12, pkAdditive: 0.002, pdAdditive: 0.6 }, ['1cmt-oral-idr2', '2cmt-oral-idr2', '1cmt-oral-idr3', '2cmt-oral-idr3'], STIMULATED),
  // direct plasma-driven inhibitory Imax, PK half-life ~60 h
  truth('1cmt-oral-imax', { CL: 0.12, V1: 10, KA: 1, ...PD, IMAX: 0.8, IC50: 1, GAMMA: 1.5 }, { CL: 0.09, V1: 0.04, KA: 0.09, R0: 0.04, IC50: 0.09 }, { pkProportional: 0.12, pkAdditive: 0.002, pdAdditive: 0.5 }, ['1cmt-oral-imax', '2cmt-oral-imax', ...IDR], INHIBITED),
  // IV boluses, direct stimulatory Emax, half-life ~40 h
  truth('1cmt-iv-emax', { CL: 0.2, V1: 12, ...PD, SMAX: 1.2, IC50: 0.6, GAMMA: 1 }, { CL: 0.09, V1: 0.04, R0: 0.04, IC50: 0.09 }, { pkProportional: 0.12, pkAdditive: 0.002, pdAdditive: 0.5 }, ['1cmt-iv-emax', '2cmt-iv-emax'], STIMULATED),
  // IV, three compartments: distribution ~1 h and ~12 h, terminal half-life ~150 h
  truth('3cmt-iv', { CL: 0.1, V1: 3, Q: 1.5, V2: 4, Q3: 0.3, V3: 15 }, { CL: 0.09, V1: 0.04 }, { pkProportional: 0.1, pkAdditive: 0.002, pdAdditive: 0 }, ['1cmt-iv', '2cmt-iv', '3cmt-iv'], TROUGH),
  // transit-compartment absorption (mean transit time 2 h), not among qusop fit's defaults: which default PK stands in, and do its answers hold?
  truth('1cmt-oral-tabs', { CL: 0.08, V1: 10, KA: 0.8, MTT: 2 }, { CL: 0.09, V1: 0.04, KA: 0.09 }, { pkProportional: 0.1, pkAdditive: 0.002, pdAdditive: 0 }, ['1cmt-oral-tabs', ...PK_ORAL], TROUGH),
  // a stimulatory drive through a chain of transit compartments (KTR 0.15 /h), 2-compartment PK
  truth('2cmt-oral-transit', { CL: 0.06, V1: 4, Q: 0.4, V2: 12, KA: 1.2, ...PD, SMAX: 1.5, IC50: 1.5, GAMMA: 1.2, KTR: 0.15 }, { CL: 0.09, V1: 0.04, KA: 0.09, R0: 0.04, IC50: 0.09 }, { pkProportional: 0.1, pkAdditive: 0.002, pdAdditive: 0.5 }, ['2cmt-oral-transit', '1cmt-oral-transit', '1cmt-oral-idr3', '2cmt-oral-idr3'], STIMULATED),
  // IV boluses, stimulated production (IDR III), turnover half-life ~20 h
  truth('1cmt-iv-idr3', { CL: 0.1, V1: 10, ...PD, KOUT: 0.035, SMAX: 2, IC50: 1, GAMMA: 1 }, { CL: 0.09, V1: 0.04, R0: 0.04, KOUT: 0.04, IC50: 0.09 }, { pkProportional: 0.1, pkAdditive: 0.002, pdAdditive: 0.5 }, ['1cmt-iv-idr3', '2cmt-iv-idr3'], STIMULATED),
];

/** The structures of which `truth` is a limit (see the header); the truth itself not included. */
export function equivalentStructures(truth: StructureId): StructureId[] {
  const out: string[] = [];
  const twoCmt = truth.replace(/^1cmt-/, '2cmt-');
  if (twoCmt !== truth) out.push(twoCmt);
  if (truth === '1cmt-oral' || truth === '2cmt-oral') out.push(`${truth}-lag`);
  if (/-imax$|-emax$/.test(truth) && !truth.includes('-ke0-')) for (const t of [truth, twoCmt]) out.push(t.replace(/-(imax|emax)$/, '-ke0-$1'));
  return [...new Set(out)] as StructureId[];
}
