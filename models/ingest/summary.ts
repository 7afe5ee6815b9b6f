/**
 * A human-readable account of what a trial file holds (subjects, arms, doses, samples, covariates,
 * time span): printed by CLIs before a fit, and the quickest way to see that the right file was read.
 */
import { extent, median } from 'd3-array';
import type { Trial } from './trial.js';

function range(values: readonly number[], unit: string): string {
  const [lo, hi] = extent(values);
  if (lo === undefined || hi === undefined) return 'none';
  return lo === hi ? `${lo} ${unit}` : `${lo}-${hi} ${unit}`;
}

function pct(k: number, n: number): string {
  return n === 0 ? 'n/a' : `${((100 * k) / n).toFixed(1)} %`;
}

export function summarizeTrial(trial: Trial): string {
  const subjects = trial.subjects;
  const n = subjects.length;

  const arms = new Map<number, number>();
  for (const s of subjects) arms.set(s.doseMg, (arms.get(s.doseMg) ?? 0) + 1);
  const armText = [...arms.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([mg, k]) => `${mg} mg: ${k}`)
    .join(', ');

  const doses = subjects.flatMap((s) => s.doses);
  const dosed = subjects.filter((s) => s.doses.length > 0).length;
  const pkSubjects = subjects.filter((s) => s.pk.length > 0).length;
  const pdSubjects = subjects.filter((s) => s.pd.length > 0).length;
  const pkCount = subjects.reduce((a, s) => a + s.pk.length, 0);
  const pdCount = subjects.reduce((a, s) => a + s.pd.length, 0);
  const excluded = subjects.reduce((a, s) => a + s.excluded.length, 0);
  const bw = subjects.map((s) => s.bwKg);
  const comed = subjects.filter((s) => s.comed === 1).length;
  const times = subjects.flatMap((s) => [
    ...s.doses.map((d) => d.timeH),
    ...s.pk.map((o) => o.timeH),
    ...s.pd.map((o) => o.timeH),
    ...s.excluded.map((o) => o.timeH),
  ]);
  const { doseCmt, pkCmt, pdCmt } = trial.layout;
  const cmt = (v: number | null) => (v === null ? '-' : String(v));

  return [
    `${trial.file}: ${n} subjects, ${trial.recordCount} records`,
    `arms (DOSE): ${armText === '' ? 'none' : armText}`,
    `dose events: ${doses.length} in ${dosed} subjects, AMT ${range(doses.map((d) => d.amtMg), 'mg')}, TIME ${range(doses.map((d) => d.timeH), 'h')}`,
    `PK samples (DVID 1): ${pkCount} in ${pkSubjects} subjects; PD samples (DVID 2): ${pdCount} in ${pdSubjects} subjects; excluded (MDV=1): ${excluded}`,
    `BW: ${range(bw, 'kg')} (median ${median(bw) ?? 'n/a'} kg)`,
    `COMED: ${comed}/${n} subjects (${pct(comed, n)})`,
    `time span: ${range(times, 'h')}`,
    `compartments: doses ${cmt(doseCmt)}, PK ${cmt(pkCmt)}, PD ${cmt(pdCmt)}`,
  ].join('\n');
}
