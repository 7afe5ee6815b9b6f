/**
 * The data summary of a Dataset: the column mapping that was used (and whether the spec or the
 * standard name chose each column), endpoints, covariates, doses per subject and what was set aside.
 * Printed by `qusop data` (and before a fit), so a user can see at a glance what was read as what.
 */
import { extent } from 'd3-array';
import { STANDARD_ITEMS } from './column-map.js';
import type { Dataset, DatasetObservation } from './dataset.js';
import { ZERO_ORDER_RATE } from './nonmem-record.js';
import { REFERENCE_WEIGHT_KG, WEIGHT_NAMES_TEXT, weightCovariateName, weightStop } from './trial-projection.js';
import { factorText, MODEL_CONCENTRATION_UNIT, MODEL_DOSE_UNIT, type UnitConversion } from './units.js';
import { timeUnitHint } from './time-unit-hint.js';
import { MIN_PRIOR_DOSES, priorDoseCount, STEADY_STATE_HORIZON_H } from './steady-state-history.js';
import { WASHOUT_H } from './washout-timeline.js';
import { selectionText } from './record-filter.js';
import type { ClockTranslation } from './clock-time.js';
import { textIdLine } from './subject-id.js';

const fmt = (x: number): string => String(Number(x.toPrecision(6)));

/** Why doses without a CMT have the route they have: the spec's dose_route, or the oral default and how to say IV. */
function routeSource(d: Dataset, doses: readonly { readonly cmt: number | null }[]): string {
  if (!doses.some((x) => x.cmt === null)) return '';
  return d.spec.doseRoute !== undefined ? ` (doses without CMT: the spec's dose_route ${d.spec.doseRoute})` : ' (doses without CMT read as oral; an IV drug: a CMT column or the spec\'s dose_route: central)';
}

/** "concentration: ng/mL in the file, converted to mg/L (x 0.001)", or the default the file was read in. */
function unitsLine(d: Dataset): string {
  const one = (what: string, u: UnitConversion, model: string): string => {
    if (!u.declared) return `${what} ${model} (default)`;
    return u.power === 0 ? `${what} ${u.unit} in the file (= ${model}, unconverted)` : `${what} ${u.unit} in the file, converted to ${model} (${factorText(u.power)})`;
  };
  const defaults = !d.units.concentration.declared || !d.units.dose.declared;
  return `units: ${one('concentration', d.units.concentration, MODEL_CONCENTRATION_UNIT)}; ${one('doses', d.units.dose, MODEL_DOSE_UNIT)}${defaults ? '; a spec names others: endpoints.concentration.unit (e.g. ng/mL), dose_unit (e.g. ug)' : ''}${d.unitColumn === undefined ? '' : `; every record agrees with its unit in column ${d.unitColumn.name}`}`;
}

function span(values: readonly number[], unit: string): string {
  const [lo, hi] = extent(values);
  if (lo === undefined || hi === undefined) return 'none';
  return lo === hi ? `${fmt(lo)} ${unit}` : `${fmt(lo)}-${fmt(hi)} ${unit}`;
}

/** Where the BLQ rows' limits came from, e.g. "LLOQ from the LLOQ column" or "... from the DV of 3 BLQ rows". */
function lloqSources(obs: readonly DatasetObservation[]): string {
  const blq = obs.filter((o) => o.blq);
  const fromDv = blq.filter((o) => o.lloqFrom === 'dv').length;
  if (fromDv === 0) return 'LLOQ from the LLOQ column';
  if (fromDv === blq.length) return 'LLOQ from the DV of the BLQ rows (no LLOQ value)';
  return `LLOQ from the LLOQ column, from the DV of ${fromDv} BLQ rows without one`;
}

export function summarizeDataset(d: Dataset): string {
  const n = d.subjects.length;
  const mapping = STANDARD_ITEMS.filter((k) => d.columns.names[k] !== undefined)
    .map((k) => `${k}=${d.columns.names[k]}${d.columns.how[k] === 'spec' ? ' (spec)' : ''}`)
    .join(', ');
  const doses = d.subjects.flatMap((s) => s.doses);
  const perSubject = d.subjects.map((s) => s.doses.length);
  const routes = [...new Set(doses.map((x) => `${x.route}${x.rate > 0 ? ' zero-order' : x.rate === ZERO_ORDER_RATE ? ' zero-order over D1 (RATE -2)' : ''}${x.ss ? ' steady-state' : ''}`))].join(', ');
  const additional = doses.filter((x) => x.additional).length;
  const steady = doses.filter((x) => x.ss);
  const lines = [
    `${d.file}: ${n} subjects, ${d.records} records (spec: ${d.spec.source}; time unit ${d.spec.timeUnit}${d.timeUnitColumn === undefined ? '' : `, as column ${d.timeUnitColumn.name} says: ${d.timeUnitColumn.values.join(', ') || '(empty)'}`})`,
    ...(d.spec.selection === undefined ? [] : [`records dropped by the spec's ${selectionText(d.spec.selection)}: ${d.selectionDropped}`]),
    ...(d.clockTime === undefined ? [] : [clockLine(d.clockTime, d.columns.names.TIME ?? 'TIME', d.spec.timeUnit)]),
    `columns: ${mapping}`,
    ...[textIdLine(d.subjects.map((s) => s.id))].filter((x): x is string => x !== undefined),
    // II in hours as read (after time_unit): a file in days read as hours shows "II 1 h" here
    `doses: ${doses.length} (${span(perSubject, 'per subject')}${additional > 0 ? `; ${additional} from ADDL, II ${span(doses.filter((x) => x.additional).map((x) => x.iiH), 'h')}` : ''}), AMT ${span(doses.map((x) => x.amt), 'mg')}, route ${routes || 'none'}${routeSource(d, doses)}`,
    unitsLine(d),
    // how the fit reads them (trial-projection.ts, steady-state-history.ts): said before a user runs one
    ...(steady.length === 0 ? [] : [`steady-state dose records (SS=1): ${steady.length}, first on line ${steady[0]?.line}; qusop fit and answer read each as ${span(steady.map((x) => priorDoseCount(x.iiH)), 'doses')} before it every II (${span(steady.map((x) => x.iiH), 'h')}), ${STEADY_STATE_HORIZON_H} h or ${MIN_PRIOR_DOSES} intervals back (after earlier records of the subject, a reset too, as in NONMEM; the fit checks the history is long enough)`]),
  ];
  // the concentration is in mg/L once read (the units line says from what); the biomarker in the file's unit
  for (const [name, use] of Object.entries(d.endpoints)) {
    const obs = d.subjects.flatMap((s) => s.observations.filter((o) => o.endpoint === name));
    const blq = obs.filter((o) => o.blq).length;
    // the biomarker's unit is said even when assumed: fit, cards and answers label it so (worker/model/biomarker-unit.ts)
    const unit = name === 'concentration' ? (use.unit === null ? '' : `, ${MODEL_CONCENTRATION_UNIT}`) : d.units.biomarker.declared ? `, ${d.units.biomarker.unit}` : `, ${d.units.biomarker.unit} (assumed: no endpoints.biomarker.unit in a spec)`;
    lines.push(`${name}: ${use.count} samples in ${d.subjects.filter((s) => s.observations.some((o) => o.endpoint === name)).length} subjects (${use.selector}${unit})${blq > 0 ? `, ${blq} BLQ (M3 likelihood; ${lloqSources(obs)})` : ''}`);
  }
  if (d.endpoints.biomarker === undefined) lines.push('biomarker: none (a PK-only trial)');
  const weight = weightCovariateName(d);
  for (const c of d.covariates) {
    const what = c.kind === 'continuous' ? `${fmt(c.range?.[0] ?? NaN)}-${fmt(c.range?.[1] ?? NaN)}${c.unit === null ? '' : ` ${c.unit}`}` : (c.levels ?? []).map((l) => `${l.level}: ${l.subjects}`).join(', ');
    const baseline = c.baseline === undefined ? '' : `; each subject's baseline (first value given; it changes later in ${c.baseline.changing} of ${d.subjects.length} subjects: not modelled as time-varying)`;
    lines.push(`covariate ${c.name}${c.column === c.name ? '' : ` (column ${c.column})`}: ${c.kind}, ${what}; reference ${typeof c.reference === 'number' ? fmt(c.reference) : c.reference}${weight === c.name ? ` (the body weight: allometry relative to ${REFERENCE_WEIGHT_KG} kg)` : ''}${baseline}`);
  }
  // a weight column set aside stops the fit (trial-projection.ts): said here, not "none"
  const stop = weightStop(d);
  if (stop !== undefined) lines.push(`body weight: column ${stop.column.name} is no covariate (${stop.column.why}): qusop fit and answer stop at ${stop.error.message}`);
  else if (weight === undefined) lines.push(`body weight: none (no ${WEIGHT_NAMES_TEXT} covariate, nor a spec's weight:): every subject at the ${REFERENCE_WEIGHT_KG} kg allometric reference, no weight effect fitted`);
  for (const i of d.ignored) lines.push(`column ${i.name}: not a covariate (${i.why})`);
  const set = (label: string, k: number): string[] => (k > 0 ? [`${label}: ${k}`] : []);
  lines.push(
    ...set('observations set aside (MDV=1)', d.subjects.reduce((a, s) => a + s.excluded.length, 0)),
    ...set('BLQ rows dropped (blq: drop)', d.blqDropped),
    ...set('other events (EVID 2)', d.subjects.reduce((a, s) => a + s.otherEvents, 0)),
    ...set('resets (EVID 3/4)', d.subjects.reduce((a, s) => a + s.resets.length, 0)),
  );
  const washouts = d.subjects.reduce((a, s) => a + s.washouts.length, 0);
  if (washouts > 0) lines.push(`periods: ${washouts} reset(s) after a subject's first record; the model's time axis puts each new period ${WASHOUT_H} h after everything before it (a washout; the fit checks it is long enough), so the time span below is on that axis`);
  lines.push(`time span: ${span(d.subjects.flatMap((s) => [...s.doses.map((x) => x.timeH), ...s.observations.map((o) => o.timeH)]), 'h')}`);
  const hint = timeUnitHint(d);
  if (hint !== undefined) lines.push(hint);
  return lines.join('\n');
}

/** How TIME was translated from clock times and dates (clock-time.ts). */
function clockLine(c: ClockTranslation, time: string, unit: 'h' | 'd'): string {
  const from = c.date === null ? `clock times in ${time}` : `${time}${c.trigger === 'clock' ? ' (clock times)' : ''} and the date column ${c.date.name}`;
  return `time: ${from}, read as ${unit === 'd' ? 'days (hours / 24, as TRANSLATE=(TIME/24))' : 'hours'} since each subject's first record (NM-TRAN's day-time translation)`;
}
