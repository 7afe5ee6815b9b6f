/**
 * The library's structures (issue 18 §1): the PK of the population model and whether it has the PD
 * (indirect response inhibiting production). The parameters of every structure come from one namespace
 * (parameters.ts FIXED_EFFECTS and ETA_NAMES), each structure taking its own subset in namespace order:
 * its theta layout (the packed fixed effects and Omega's Cholesky factor, the ONNX input `theta`) and its
 * etas are its own. A parameter the structure lacks is never estimated, counted, drawn or written; in
 * the natural-scale record of a population (`fixed`) it sits at a neutral value the simulator ignores.
 * The two-compartment PK/PD structure's layout is exactly the one the shipped EstData cards use.
 *
 * - `2cmt-oral-idr`: 2-compartment PK, first-order absorption + IDR (the shipped EstData model).
 * - `1cmt-oral-idr`: 1-compartment PK, first-order absorption + IDR: V1 is the volume V and Q = 0
 *   (no peripheral compartment: exact in the double-precision simulator, its own graph in export/).
 * - `2cmt-oral`, `1cmt-oral`: the same PK alone, for trials without biomarker samples (PK-only): no PD
 *   parameters, etas on CL, V1, KA, a graph with the `conc` output only.
 * - `1cmt-iv`, `2cmt-iv`: PK-only, doses into the central compartment (bolus or zero-order infusion,
 *   iv.ts): no KA (absent), etas on CL, V1; the graph is the steady state of an IV bolus regimen.
 * - `1cmt-iv-idr` ... `2cmt-iv-ke0-emax` (IV_PD_STRUCTURES): every PD of the library on the IV PK
 *   (bolus doses; an infused PK/PD trial is refused).
 * - `1cmt-oral-mm`, `1cmt-iv-mm`: PK-only, linear + saturable (Michaelis-Menten) elimination, VMAX and KM
 *   (michaelis-menten-structures.ts); --structure only.
 */
import { InputError } from '../../worker/common/errors.js';
import { directEffectStructures, type DirectEffectStructureId } from './direct-effect-structures.js';
import { emaxStructures, type EmaxStructureId } from './emax-structures.js';
import { indirectResponseStructures, type IndirectResponseStructureId } from './indirect-response-structures.js';
import { zeroOrderStructures, type ZeroOrderStructureId } from './zero-order-structures.js';
import { linearEffectStructures, type LinearEffectStructureId } from './linear-effect-structures.js';
import { transitStructures, type TransitStructureId } from './transit-structures.js';
import { transitAbsorptionStructures, type TransitAbsorptionStructureId } from './transit-absorption-structures.js';
import { michaelisMentenStructures, type MichaelisMentenStructureId } from './michaelis-menten-structures.js';
import { pkDescription, type PkBodies } from './pk-body.js';
import type { Turnover } from './turnover.js';
import { ETA_NAMES, FIXED_EFFECTS, type EtaName, type FixedEffectName, type FixedEffectSpec } from './parameters.js';
import { resolveCovariateEffects, withCovariateEffects, type CovariateEffect } from './covariate-effects.js';
import type { Trial } from '../ingest/trial.js';

export type StructureId = '2cmt-oral-idr' | '1cmt-oral-idr' | '2cmt-oral' | '1cmt-oral' | '1cmt-iv' | '2cmt-iv' | DirectEffectStructureId | IndirectResponseStructureId | EmaxStructureId | '1cmt-oral-lag' | '2cmt-oral-lag' | ZeroOrderStructureId | LinearEffectStructureId | TransitStructureId | '3cmt-oral' | '3cmt-iv' | '1cmt-iv-idr' | '2cmt-iv-idr' | TransitAbsorptionStructureId | MichaelisMentenStructureId;

/**
 * How a trial's doses enter: oral (into a depot, first-order absorption), IV (into the central
 * compartment) or zero-order absorption over the model's D1 (NONMEM RATE = -2).
 */
export type Route = 'oral' | 'iv' | 'zero-order';

export interface Structure {
  readonly id: StructureId;
  /** the model card's family */
  readonly family: string;
  /** the number of PK compartments (central + peripheral) */
  readonly compartments: 1 | 2 | 3;
  /** the doses the structure takes: oral (depot, KA), IV (central: bolus or zero-order infusion, no KA) or zero-order over D1 (RATE = -2) */
  readonly route: Route;
  /** true: PK + a biomarker (the indirect response unless `directEffect`); false: PK only (fitted to concentrations alone) */
  readonly pd: boolean;
  /** a direct-effect biomarker (direct-effect-structures.ts): driven by the plasma, or by an effect compartment (KE0) */
  readonly directEffect?: { readonly effectCompartment: boolean; readonly stimulatory?: boolean; readonly linear?: boolean };
  /** a transit-delay biomarker (transit-structures.ts): the stimulatory drive through a chain of equal compartments (KTR) */
  readonly transit?: { readonly compartments: 3 };
  /** an indirect response other than type I (turnover.ts): the rate the drug acts on and how; absent: inhibition of KIN */
  readonly turnover?: Turnover;
  /** what a pharmacometrician reads in the fit report and on the card */
  readonly description: string;
  /** the structure's fixed effects, namespace order (the theta layout) */
  readonly fixedEffects: readonly FixedEffectSpec[];
  /** the structure's random effects, namespace order */
  readonly etaNames: readonly EtaName[];
  /** the neutral natural-scale value of each namespace parameter the structure lacks */
  readonly absent: Readonly<Partial<Record<FixedEffectName, number>>>;
  /** declared covariate effects (covariate-effects.ts): their coefficients end `fixedEffects` */
  readonly covariateEffects?: readonly CovariateEffect[];
  /** true: the declarations leave out COMED on the baseline, so BETA_COMED_R0 is held at 0 */
  readonly holdComed?: boolean;
}

/**
 * A structure from the namespace parameters it has (`has`) and the etas it carries (default: every
 * namespace eta on a parameter it has); every other namespace parameter is absent, at its neutral value.
 */
export function define(s: Omit<Structure, 'fixedEffects' | 'etaNames' | 'absent'> & { readonly has: readonly FixedEffectName[]; readonly etas?: readonly EtaName[] }): Structure {
  const { has, etas, ...rest } = s;
  return {
    ...rest,
    fixedEffects: FIXED_EFFECTS.filter((f) => has.includes(f.name)),
    etaNames: ETA_NAMES.filter((e) => has.includes(e) && (etas === undefined || etas.includes(e))),
    absent: Object.fromEntries(FIXED_EFFECTS.filter((f) => !has.includes(f.name)).map((f) => [f.name, f.neutral])),
  };
}

const PK_ORAL_2 = ['CL', 'V1', 'Q', 'V2', 'KA'] as const satisfies readonly FixedEffectName[];
const PK_ORAL_1 = ['CL', 'V1', 'KA'] as const satisfies readonly FixedEffectName[];
const PK_IV_2 = ['CL', 'V1', 'Q', 'V2'] as const satisfies readonly FixedEffectName[];
const PK_IV_1 = ['CL', 'V1'] as const satisfies readonly FixedEffectName[];
const PK_ORAL_3 = ['CL', 'V1', 'Q', 'V2', 'KA', 'Q3', 'V3'] as const satisfies readonly FixedEffectName[];
const PK_IV_3 = ['CL', 'V1', 'Q', 'V2', 'Q3', 'V3'] as const satisfies readonly FixedEffectName[];
const IDR = ['R0', 'BETA_COMED_R0', 'KOUT', 'IMAX', 'IC50', 'GAMMA'] as const satisfies readonly FixedEffectName[];

export const TWO_COMPARTMENT: Structure = define({
  id: '2cmt-oral-idr',
  family: 'mechanistic-2cmt-idr',
  route: 'oral',
  compartments: 2,
  pd: true,
  description: '2-compartment PK with first-order absorption + indirect response inhibiting production',
  has: [...PK_ORAL_2, ...IDR],
});

export const ONE_COMPARTMENT: Structure = define({
  id: '1cmt-oral-idr',
  family: 'mechanistic-1cmt-idr',
  route: 'oral',
  compartments: 1,
  pd: true,
  description: '1-compartment PK with first-order absorption + indirect response inhibiting production',
  // Q absent = 0: no peripheral compartment (V2 is never read)
  has: [...PK_ORAL_1, ...IDR],
});

export const TWO_COMPARTMENT_PK: Structure = define({
  id: '2cmt-oral',
  family: 'mechanistic-2cmt-pk',
  route: 'oral',
  compartments: 2,
  pd: false,
  description: '2-compartment PK with first-order absorption (no biomarker)',
  has: PK_ORAL_2,
});

export const ONE_COMPARTMENT_PK: Structure = define({
  id: '1cmt-oral',
  family: 'mechanistic-1cmt-pk',
  route: 'oral',
  compartments: 1,
  pd: false,
  description: '1-compartment PK with first-order absorption (no biomarker)',
  has: PK_ORAL_1,
});

export const ONE_COMPARTMENT_IV: Structure = define({
  id: '1cmt-iv',
  family: 'mechanistic-1cmt-iv',
  route: 'iv',
  compartments: 1,
  pd: false,
  description: '1-compartment PK, IV doses (bolus or zero-order infusion; no biomarker)',
  has: PK_IV_1,
});

export const TWO_COMPARTMENT_IV: Structure = define({
  id: '2cmt-iv',
  family: 'mechanistic-2cmt-iv',
  route: 'iv',
  compartments: 2,
  pd: false,
  description: '2-compartment PK, IV doses (bolus or zero-order infusion; no biomarker)',
  has: PK_IV_2,
});

/**
 * Oral PK with an absorption lag ALAG (no IIV on it by default: lag etas are rarely identifiable).
 * PK-only: the PD integrator (pd.ts) places its breakpoints at the dose times and knows no lag.
 */
export const ONE_COMPARTMENT_LAG: Structure = define({
  id: '1cmt-oral-lag',
  family: 'mechanistic-1cmt-lag',
  route: 'oral',
  compartments: 1,
  pd: false,
  description: '1-compartment PK with lagged first-order absorption (no biomarker)',
  has: [...PK_ORAL_1, 'ALAG'],
});

export const TWO_COMPARTMENT_LAG: Structure = define({
  id: '2cmt-oral-lag',
  family: 'mechanistic-2cmt-lag',
  route: 'oral',
  compartments: 2,
  pd: false,
  description: '2-compartment PK with lagged first-order absorption (no biomarker)',
  has: [...PK_ORAL_2, 'ALAG'],
});

/** 3-compartment PK (pk3.ts): a second peripheral compartment (Q3, V3); PK-only, no lag. */
export const THREE_COMPARTMENT_PK: Structure = define({
  id: '3cmt-oral',
  family: 'mechanistic-3cmt-pk',
  route: 'oral',
  compartments: 3,
  pd: false,
  description: '3-compartment PK with first-order absorption (no biomarker)',
  has: PK_ORAL_3,
});

export const THREE_COMPARTMENT_IV: Structure = define({
  id: '3cmt-iv',
  family: 'mechanistic-3cmt-iv',
  route: 'iv',
  compartments: 3,
  pd: false,
  description: '3-compartment PK, IV doses (bolus or zero-order infusion; no biomarker)',
  has: PK_IV_3,
});

const ORAL_BODIES: PkBodies = { route: 'oral', 1: PK_ORAL_1, 2: PK_ORAL_2 };
const IV_BODIES: PkBodies = { route: 'iv', 1: PK_IV_1, 2: PK_IV_2 };

export const DIRECT_EFFECT_STRUCTURES: readonly Structure[] = directEffectStructures(define, ORAL_BODIES);

/** Indirect responses II-IV (indirect-response-structures.ts) and direct stimulatory Emax (emax-structures.ts). */
export const INDIRECT_RESPONSE_STRUCTURES: readonly Structure[] = indirectResponseStructures(define, ORAL_BODIES);
export const EMAX_STRUCTURES: readonly Structure[] = emaxStructures(define, ORAL_BODIES);

/** Zero-order absorption over D1 (zero-order-structures.ts): `1cmt-zo`, `2cmt-zo`, the defaults of RATE = -2 trials. */
export const [ONE_COMPARTMENT_ZO, TWO_COMPARTMENT_ZO] = zeroOrderStructures(define, { PK_IV_1, PK_IV_2 }) as [Structure, Structure];

/** Direct linear (linear-effect-structures.ts) and transit-delay (transit-structures.ts) PD. */
export const LINEAR_EFFECT_STRUCTURES: readonly Structure[] = linearEffectStructures(define, { PK_ORAL_1, PK_ORAL_2 });
export const TRANSIT_STRUCTURES: readonly Structure[] = transitStructures(define, { PK_ORAL_1, PK_ORAL_2 });

/**
 * The PD structures on IV PK (bolus doses into the central compartment; pk-body.ts): the indirect
 * response I-IV, direct Imax and Emax (plasma or effect compartment) on 1 and 2 compartments, each the
 * oral twin's PD with the IV PK parameters (no KA). They take IV infusions too (dose-walk.ts, direct-effect.ts).
 */
export const IV_PD_STRUCTURES: readonly Structure[] = [
  ...([1, 2] as const).map((compartments) => define({
    id: `${compartments}cmt-iv-idr`,
    family: `mechanistic-${compartments}cmt-iv-idr`,
    route: 'iv',
    compartments,
    pd: true,
    description: `${pkDescription(compartments, 'iv')} + indirect response inhibiting production`,
    has: [...IV_BODIES[compartments], ...IDR],
  })),
  ...indirectResponseStructures(define, IV_BODIES),
  ...directEffectStructures(define, IV_BODIES),
  ...emaxStructures(define, IV_BODIES),
];

/** Transit-compartment absorption (transit-absorption-structures.ts): `1cmt-oral-tabs`, `2cmt-oral-tabs`, PK-only. */
export const TRANSIT_ABSORPTION_STRUCTURES: readonly Structure[] = transitAbsorptionStructures(define, { PK_ORAL_1, PK_ORAL_2 });

/** Saturable elimination (michaelis-menten-structures.ts): `1cmt-oral-mm`, `1cmt-iv-mm`; --structure only. */
export const [ONE_COMPARTMENT_MM, ONE_COMPARTMENT_IV_MM] = michaelisMentenStructures(define, { PK_ORAL_1, PK_IV_1 });

export const STRUCTURES: readonly Structure[] = [ONE_COMPARTMENT, TWO_COMPARTMENT, ONE_COMPARTMENT_PK, TWO_COMPARTMENT_PK, ONE_COMPARTMENT_IV, TWO_COMPARTMENT_IV, ...DIRECT_EFFECT_STRUCTURES, ...INDIRECT_RESPONSE_STRUCTURES, ...EMAX_STRUCTURES, ONE_COMPARTMENT_LAG, TWO_COMPARTMENT_LAG, ONE_COMPARTMENT_ZO, TWO_COMPARTMENT_ZO, ...LINEAR_EFFECT_STRUCTURES, ...TRANSIT_STRUCTURES, THREE_COMPARTMENT_PK, THREE_COMPARTMENT_IV, ...IV_PD_STRUCTURES, ...TRANSIT_ABSORPTION_STRUCTURES, ONE_COMPARTMENT_MM, ONE_COMPARTMENT_IV_MM];

/**
 * The PK-only default candidates of a route (oral unless every dose is IV); with `hasBiomarker`, the
 * type-I indirect-response structures of the route. The default
 * PK/PD candidates of a trial are chosen by the direction the drug moves its biomarker in
 * (analysis/fit/effect-direction.ts), among every PK/PD structure of its route.
 */
export function candidatesFor(hasBiomarker: boolean, route: Route = 'oral'): Structure[] {
  // the lag-time structures too are --structure only: on theophylline BIC prefers a 0.16 h lag (-2LL
  // 304 vs 346), whose typical ka (2.7 /h) is no longer the published lag-free one the issue checks
  // the transit-absorption structures too (theophylline: 1cmt-oral-tabs BIC 348.6 vs 1cmt-oral 385.3, MTT 0.2 h)
  // the 3-compartment PK structures are in the PK-only defaults of their route (seconds per fit): theophylline
  // still selects 1cmt-oral (3cmt-oral degenerate) and EstData's PK stage fits only the compartment counts of
  // its PK/PD candidates (pk-stage.ts), so it still selects 2cmt-oral-idr
  // the Michaelis-Menten structures are --structure only: each fit integrates an ODE (seconds to minutes
  // more per candidate) and linear drugs gain nothing from them
  return STRUCTURES.filter((s) => s.pd === hasBiomarker && s.route === route && s.directEffect === undefined && s.turnover === undefined && s.transit === undefined && s.absent.ALAG !== undefined && s.absent.MTT !== undefined && s.absent.VMAX !== undefined);
}
/**
 * True when structure `s` takes a trial of `route`: its own, or, for the zero-order structures, an oral
 * trial too (each depot dose then enters the central compartment over D1: `--structure 1cmt-zo` asks
 * whether an oral drug's absorption is zero-order rather than first-order; never a default candidate).
 */
export const takesRoute = (s: Structure, route: Route): boolean => s.route === route || (s.route === 'zero-order' && route === 'oral');
export const STRUCTURE_IDS = STRUCTURES.map((s) => s.id) as [StructureId, ...StructureId[]];

export function structureById(id: string, field = '--structure'): Structure {
  const s = STRUCTURES.find((x) => x.id === id);
  if (s === undefined) throw new InputError(`${field}: unknown structure "${id}"; expected one of ${STRUCTURE_IDS.join(', ')}`, { details: { field, value: id } });
  return s;
}

/** The structure a fit (fit.json `fit`) was made with: absent means the 2-compartment one. */
export function structureOfFit(fit: { readonly structure?: string; readonly covariateEffects?: readonly CovariateEffect[]; readonly holdComed?: boolean }): Structure {
  const s = fit.structure === undefined ? TWO_COMPARTMENT : structureById(fit.structure, 'fit.structure');
  return withCovariateEffects(s, fit.covariateEffects ?? [], fit.holdComed !== true);
}

/** True when the structure has this parameter (it is estimated and reported). */
export const uses = (s: Structure, name: FixedEffectName): boolean => s.absent[name] === undefined;

/** `--structure a,b`: the candidates to fit (undefined text: the whole library); unknown or repeated ids refused. */
export function parseStructures(text: string | undefined, field = '--structure'): Structure[] | undefined {
  if (text === undefined) return undefined;
  const ids = text.split(',').map((t) => t.trim());
  if (ids.some((id) => id === '')) throw new InputError(`${field} "${text}": expected structure ids separated by commas (${STRUCTURE_IDS.join(', ')})`, { details: { field, value: text } });
  const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
  if (repeated !== undefined) throw new InputError(`${field} "${text}": ${repeated} is named twice`, { details: { field, value: text } });
  return ids.map((id) => structureById(id, field));
}

/** Structure `id` with the trial's declared covariate effects (its spec's `covariate_effects:`; none: the structure itself). */
export function structureForTrial(trial: Trial, id: string, field = '--structure'): Structure {
  const s = structureById(id, field);
  const { effects, comedOnBaseline } = resolveCovariateEffects(trial.covariateEffects, trial.covariates ?? [], trial.subjects, s);
  return withCovariateEffects(s, effects, comedOnBaseline);
}
