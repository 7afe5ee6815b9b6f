/**
 * Dataset -> Trial: the structures qusop fits today (1- or 2-compartment oral PK with allometric body
 * weight, with or without the indirect response with COMED on the baseline) take body weight per
 * subject (COMED when the trial has it: without a COMED column every subject counts as 0, and the
 * COMED effect is held, not estimated), oral bolus doses, and concentration samples (and biomarker
 * samples for the PK/PD structures). What it cannot take yet
 * (a missing covariate, IV or zero-order or steady-state doses, resets, BLQ rows for the M3
 * likelihood) is refused with the line and what to do, never dropped in silence.
 */
import type { Dataset, DatasetSubject } from './dataset.js';
import { DVID_PD, DVID_PK, inputError } from './schema.js';
import type { CmtLayout, DoseEvent, ExcludedObservation, Observation, Subject, Trial } from './trial.js';

const WEIGHT_NAMES = ['BW', 'WT', 'WEIGHT'];
const MODEL = 'the population models qusop fits (1- or 2-compartment oral PK, indirect-response PD)';

export function trialFromDataset(d: Dataset): Trial {
  const file = d.file;
  // a needed column that was set aside (changes within a subject, missing) raises its located error
  const find = (names: readonly string[]) => {
    const unusable = d.ignored.find((i) => names.includes(i.name.toUpperCase()) && i.error !== undefined);
    if (unusable?.error !== undefined) throw unusable.error;
    return d.covariates.find((c) => names.includes(c.name.toUpperCase()));
  };
  const weight = d.spec.weight === undefined ? find(WEIGHT_NAMES) : d.covariates.find((c) => c.name === d.spec.weight);
  const comed = find(['COMED']);
  const dose = find(['DOSE']);
  const need = (what: string, hint: string): never => {
    throw inputError({ file, line: null, column: what, expected: `a subject-constant ${what} covariate, which ${MODEL} needs (${hint})`, found: d.covariates.length === 0 ? 'no covariates' : `covariates ${d.covariates.map((c) => c.name).join(', ')}${d.ignored.length === 0 ? '' : `; not covariates: ${d.ignored.map((i) => `${i.name} (${i.why})`).join(', ')}`}` });
  };
  if (weight === undefined) return need('body weight', 'a column BW, WT or WEIGHT in kg, or `weight:` in a --data-spec');
  const layout: { doseCmt: number | null; pkCmt: number | null; pdCmt: number | null } = { doseCmt: null, pkCmt: null, pdCmt: null };
  const subjects = d.subjects.map((s): Subject => {
    const line = s.firstLine;
    const bw = s.covariates[weight.name];
    if (typeof bw !== 'number' || !(bw > 0)) throw inputError({ file, line, column: weight.column, expected: 'a body weight (a number > 0 kg)', found: `'${String(bw)}'` });
    const cm = comed === undefined ? 0 : s.covariates[comed.name];
    if (cm !== 0 && cm !== 1) throw inputError({ file, line, column: comed?.column ?? 'COMED', expected: '0 or 1', found: `'${String(cm)}'` });
    const arm = dose === undefined ? (s.doses[0]?.amt ?? 0) : s.covariates[dose.name];
    if (typeof arm !== 'number' || !(arm >= 0)) throw inputError({ file, line, column: dose?.column ?? 'DOSE', expected: 'a nominal dose (a number >= 0 mg)', found: `'${String(arm)}'` });
    return { id: Number(s.id), bwKg: bw, comed: cm, doseMg: arm, ...events(s, file, d.spec.source, layout), firstLine: s.firstLine, lastLine: s.lastLine };
  });
  return { file, recordCount: d.records, subjects, layout: layout as CmtLayout };
}

function events(s: DatasetSubject, file: string, specSource: string, layout: { doseCmt: number | null; pkCmt: number | null; pdCmt: number | null }) {
  if (s.resets.length > 0) {
    throw inputError({ file, line: s.firstLine, column: 'EVID', expected: `no reset events (EVID 3/4) for ${MODEL}`, found: `${s.resets.length} in ID ${s.id}` });
  }
  const doses: DoseEvent[] = s.doses.map((x) => {
    const kind = x.route === 'central' ? 'an IV dose (into the observed compartment)' : x.rate > 0 ? 'a zero-order input (RATE > 0)' : x.ss ? 'a steady-state dose (SS=1)' : null;
    if (kind !== null) throw inputError({ file, line: x.line, column: null, expected: `an oral bolus dose, which is what ${MODEL} takes`, found: kind });
    layout.doseCmt ??= x.cmt;
    return { timeH: x.timeH, amtMg: x.amt, cmt: x.cmt, line: x.line };
  });
  const pk: Observation[] = [];
  const pd: Observation[] = [];
  for (const o of s.observations) {
    if (o.blq) {
      throw inputError({ file, line: o.line, column: 'BLQ', expected: `no BLQ-flagged rows: the fit's M3 likelihood is not implemented yet; set "blq: drop" in a --data-spec (${specSource}) to drop them with a count`, found: 'a BLQ row' });
    }
    const obs = { timeH: o.timeH, dv: o.value as number, cmt: o.cmt, line: o.line };
    if (o.endpoint === 'concentration') {
      layout.pkCmt ??= o.cmt;
      pk.push(obs);
    } else {
      layout.pdCmt ??= o.cmt;
      pd.push(obs);
    }
  }
  const excluded: ExcludedObservation[] = s.excluded.map((x) => ({ timeH: x.timeH, dvid: x.endpoint === 'concentration' ? DVID_PK : DVID_PD, line: x.line }));
  return { doses, pk, pd, excluded };
}
