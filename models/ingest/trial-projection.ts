/**
 * Dataset -> Trial: the library's structures (models/structures/: 1-, 2- or 3-compartment PK with
 * allometric body weight, PK-only or with a PD model with COMED on its baseline) take body weight per
 * subject (COMED when the trial has it: without a COMED column every subject counts as 0, and the
 * COMED effect is held, not estimated), doses by one route (oral bolus into a depot, or IV into the
 * concentration's observation CMT: bolus, or a zero-order infusion of AMT / RATE hours; or RATE = -2 into
 * either, zero-order absorption over the model's D1, `durationModel`), and
 * concentration samples (and biomarker samples for the PK/PD structures). What it cannot take yet
 * (a zero-order input of given rate into the depot, a trial mixing oral and IV doses or RATE = -2 with other doses,
 * an ADDL series running past a reset) is refused with the line and what to do, never dropped in
 * silence. Resets (EVID 3/4, and a steady-state dose after others, which NONMEM reads as a reset) arrive
 * as periods on one time axis, a washout apart (washout-timeline.ts); a steady-state dose (SS=1) opens
 * its period and becomes the doses it implies before it (steady-state-history.ts).
 * BLQ rows become censored observations (dv = their LLOQ, `blq`) for the fit's M3 likelihood.
 */
import type { Dataset, DatasetSubject } from './dataset.js';
import type { IgnoredColumn } from './covariates.js';
import type { InputError } from '../../worker/common/errors.js';
import { DVID_PD, DVID_PK, inputError } from './schema.js';
import { ZERO_ORDER_RATE } from './nonmem-record.js';
import { convert } from './units.js';
import type { CmtLayout, DoseEvent, ExcludedObservation, Observation, Subject, Trial } from './trial.js';
import { impliedDoses, priorDoseCount } from './steady-state-history.js';
import { subjectNumbers } from './subject-id.js';

interface ProjectionLayout {
  doseCmt: number | null; pkCmt: number | null; pdCmt: number | null; route: { route: 'depot' | 'central'; line: number } | null;
  /** whether the first dose was a RATE = -2 record (zero-order over the model's D1), and its line: every dose must agree */
  zeroOrder: { is: boolean; line: number } | null;
}

/** Column names read as the body weight (kg) without a spec's weight:, in this order of preference (xgxr writes WEIGHTB, nlmixr2data's nimoData WGT). */
export const WEIGHT_NAMES = ['BW', 'WT', 'WEIGHT', 'WGT', 'BWT', 'WEIGHTB', 'WTBL', 'BASEWT'] as const;
/** For messages: "BW, WT, WEIGHT, WGT, BWT, WEIGHTB, WTBL, BASEWT". */
export const WEIGHT_NAMES_TEXT = WEIGHT_NAMES.join(', ');

/** The first covariate (or set-aside column) named by `names`, in their order; undefined when none is. */
function firstNamed<T extends { readonly name: string }>(xs: readonly T[], names: readonly string[]): T | undefined {
  for (const n of names) {
    const hit = xs.find((x) => x.name.toUpperCase() === n);
    if (hit !== undefined) return hit;
  }
  return undefined;
}

/**
 * The set-aside column (it changes within a subject, or is missing) that a consumer needing one of
 * `names` stops at: one named before any usable covariate of those names, in their order of preference.
 */
export function unusableColumn(d: Dataset, names: readonly string[]): IgnoredColumn | undefined {
  const found = firstNamed(d.covariates, names);
  return d.ignored.find((i) => names.includes(i.name.toUpperCase()) && i.error !== undefined && (found === undefined || names.indexOf(i.name.toUpperCase()) < names.indexOf(found.name.toUpperCase())));
}

/**
 * Without a spec's weight:, the weight column the fit stops at: one of WEIGHT_NAMES set aside (it changes
 * within a subject, or is missing) before any usable one. Its located error names the usable weight
 * covariate a spec could take instead (BW changing, WT constant: `weight: WT`).
 */
export function weightStop(d: Dataset): { column: IgnoredColumn; error: InputError } | undefined {
  if (d.spec.weight !== undefined) return undefined;
  const column = unusableColumn(d, WEIGHT_NAMES);
  if (column?.error === undefined) return undefined;
  const other = firstNamed(d.covariates, WEIGHT_NAMES);
  if (other === undefined) return { column, error: column.error };
  const x = column.error.details as { file: string; line: number | null; column: string | null; expected: string; found: string };
  return { column, error: inputError({ file: x.file, line: x.line, column: x.column, expected: `${x.expected}, or a spec's weight: ${other.name} to take ${other.name} (constant within subjects) as the body weight`, found: x.found }) };
}

/** The covariate the models take as body weight: the spec's `weight`, else the first of WEIGHT_NAMES present (undefined: none, or a weight column the fit stops at). */
export function weightCovariateName(d: Dataset): string | undefined {
  if (weightStop(d) !== undefined) return undefined;
  return d.spec.weight ?? firstNamed(d.covariates, WEIGHT_NAMES)?.name;
}
/** the allometric reference weight (structures/parameters.ts REFERENCE_BW_KG): a trial without weights sits there */
export const REFERENCE_WEIGHT_KG = 70;
const MODEL = 'the population models of the qusop structure library (1-, 2- or 3-compartment PK, oral or IV; direct, effect-compartment or indirect-response PD)';

export function trialFromDataset(d: Dataset): Trial {
  const file = d.file;
  // a needed column that was set aside (changes within a subject, missing) raises its located error
  const find = (names: readonly string[]) => {
    const unusable = unusableColumn(d, names);
    if (unusable?.error !== undefined) throw unusable.error;
    return firstNamed(d.covariates, names);
  };
  // a weight column set aside throws here, naming the usable one a spec could take (weightStop)
  const stop = weightStop(d);
  if (stop !== undefined) throw stop.error;
  const weight = d.spec.weight === undefined ? firstNamed(d.covariates, WEIGHT_NAMES) : d.covariates.find((c) => c.name === d.spec.weight);
  const comed = find(['COMED']);
  const dose = find(['DOSE']);
  const need = (what: string, hint: string): never => {
    throw inputError({ file, line: null, column: what, expected: `a subject-constant ${what} covariate, which ${MODEL} needs (${hint})`, found: d.covariates.length === 0 ? 'no covariates' : `covariates ${d.covariates.map((c) => c.name).join(', ')}${d.ignored.length === 0 ? '' : `; not covariates: ${d.ignored.map((i) => `${i.name} (${i.why})`).join(', ')}`}` });
  };
  // no weight column: every subject at the allometric reference, so no allometry enters the fit
  const layout: ProjectionLayout = { doseCmt: null, pkCmt: null, pdCmt: null, route: null, zeroOrder: null };
  const numbers = subjectNumbers(d.subjects.map((s) => s.id));
  const subjects = d.subjects.map((s, k): Subject => {
    const line = s.firstLine;
    const bw = weight === undefined ? REFERENCE_WEIGHT_KG : s.covariates[weight.name];
    if (typeof bw !== 'number' || !(bw > 0)) throw inputError({ file, line, column: weight?.column ?? 'BW', expected: 'a body weight (a number > 0 kg)', found: `'${String(bw)}'` });
    const cm = comed === undefined ? 0 : s.covariates[comed.name];
    if (cm !== 0 && cm !== 1) throw inputError({ file, line, column: comed?.column ?? 'COMED', expected: '0 or 1', found: `'${String(cm)}'` });
    // a DOSE column is in the file's dose unit, as AMT (the Dataset's doses are in mg already)
    const nominal = dose === undefined ? (s.doses[0]?.amt ?? 0) : s.covariates[dose.name];
    if (typeof nominal !== 'number' || !(nominal >= 0)) throw inputError({ file, line, column: dose?.column ?? 'DOSE', expected: `a nominal dose (a number >= 0 ${d.units.dose.unit})`, found: `'${String(nominal)}'` });
    const arm = dose === undefined ? nominal : convert(nominal, d.units.dose.power);
    const covariates = Object.fromEntries(Object.entries(s.covariates).filter((e): e is [string, number] => typeof e[1] === 'number'));
    return { id: numbers[k]!, bwKg: bw, comed: cm, doseMg: arm, ...events(s, file, layout, d.columns.names), covariates, firstLine: s.firstLine, lastLine: s.lastLine };
  });
  return {
    file, recordCount: d.records, subjects, layout: { doseCmt: layout.doseCmt, pkCmt: layout.pkCmt, pdCmt: layout.pdCmt } as CmtLayout,
    covariates: d.covariates,
    ...(weight === undefined ? { noWeight: true as const } : {}),
    units: { concentration: d.units.concentration, dose: d.units.dose, biomarker: d.units.biomarker },
    ...(d.spec.covariateEffects === undefined ? {} : { covariateEffects: d.spec.covariateEffects }),
  };
}

function events(s: DatasetSubject, file: string, layout: ProjectionLayout, names: Dataset['columns']['names']) {
  const doses: DoseEvent[] = s.doses.map((x) => {
    if (x.route === 'depot' && x.rate > 0) {
      // the column the file wrote (RATE, or DUR / TINF as AMT / DUR), under the file's own name
      const column = names[x.rateFrom] ?? x.rateFrom;
      throw inputError({ file, line: x.line, column, expected: `${x.rateFrom === 'DUR' ? '0 or empty (a bolus)' : '0 (bolus)'} for a dose into the depot (CMT ${String(x.cmt)}): a zero-order input into an absorption compartment (zero-order then first-order absorption) is not in ${MODEL}. An IV infusion goes into the concentration's observation CMT; zero-order absorption over a duration the model estimates is RATE = ${ZERO_ORDER_RATE} (structures 1cmt-zo, 2cmt-zo)`, found: x.rateFrom === 'DUR' ? `${String(x.amt / x.rate)} h (AMT / ${column})` : String(x.rate) });
    }
    const route = x.route === 'central' ? 'central' : 'depot';
    layout.route ??= { route, line: x.line };
    if (layout.route.route !== route) {
      throw inputError({ file, line: x.line, column: 'CMT', expected: `doses by one route (the ${layout.route.route === 'central' ? 'IV' : 'oral'} dose on line ${layout.route.line} sets it): mixed oral + IV trials are not supported by ${MODEL}`, found: `${route === 'central' ? 'an IV dose (into the observed compartment)' : 'an oral dose (into the depot)'} in ID ${s.id}` });
    }
    layout.doseCmt ??= x.cmt;
    const zeroOrder = x.rate === ZERO_ORDER_RATE;
    layout.zeroOrder ??= { is: zeroOrder, line: x.line };
    if (layout.zeroOrder.is !== zeroOrder) {
      const kind = (is: boolean): string => (is ? `RATE = ${ZERO_ORDER_RATE} (zero-order over the model's D1)` : 'a dose of given rate (RATE >= 0)');
      throw inputError({ file, line: x.line, column: 'RATE', expected: `${kind(layout.zeroOrder.is)} like the dose on line ${layout.zeroOrder.line}: a trial mixing zero-order absorption (RATE = ${ZERO_ORDER_RATE}) with other dose kinds is not supported by ${MODEL}`, found: `${kind(zeroOrder)} in ID ${s.id}` });
    }
    const event = { timeH: x.timeH, amtMg: x.amt, cmt: x.cmt, line: x.line };
    // RATE = -2: zero-order over D1 into the central compartment, whichever CMT the record names (zero-order.ts)
    if (zeroOrder) return route === 'depot' ? { ...event, durationModel: 'D1' as const } : { ...event, route: 'central' as const, durationModel: 'D1' as const };
    if (route === 'depot') return event;
    return x.rate > 0 ? { ...event, route: 'central', durationH: x.amt / x.rate } : { ...event, route: 'central' };
  });
  // a steady-state dose opens its period (washout-timeline.ts made it a reset otherwise): the doses it implies go before it
  const implied = s.doses.flatMap((x, at) => {
    const dose = doses[at];
    return x.ss && dose !== undefined ? impliedDoses(dose, x.iiH, priorDoseCount(x.iiH)) : [];
  });
  if (implied.length > 0) {
    // the implied doses precede their record, after everything of the period before (washout-timeline.ts made room)
    doses.push(...implied);
    doses.sort((a, b) => a.timeH - b.timeH);
  }
  const pk: Observation[] = [];
  const pd: Observation[] = [];
  for (const o of s.observations) {
    // a BLQ row carries its limit as dv (NONMEM's M3 ignores its DV); the LLOQ rides along where given
    const base = { timeH: o.timeH, dv: o.blq ? (o.lloq as number) : (o.value as number), cmt: o.cmt, line: o.line };
    const obs: Observation = o.blq ? { ...base, blq: true, lloq: o.lloq as number } : o.lloq !== null ? { ...base, lloq: o.lloq } : base;
    if (o.endpoint === 'concentration') {
      layout.pkCmt ??= o.cmt;
      pk.push(obs);
    } else {
      layout.pdCmt ??= o.cmt;
      pd.push(obs);
    }
  }
  const excluded: ExcludedObservation[] = s.excluded.map((x) => ({ timeH: x.timeH, dvid: x.endpoint === 'concentration' ? DVID_PK : DVID_PD, line: x.line }));
  return { doses, pk, pd, excluded, ...(s.washouts.length === 0 ? {} : { washouts: s.washouts }) };
}
