/**
 * A trial whose times may be in days read as hours. TIME and II are hours unless a dataset spec says
 * `time_unit: d` (data-spec.ts), and nothing in a file says which it is. Daily doses written in days
 * then recur every 1 "h", which oral and bolus regimens practically never do; every rate the fit
 * estimates and every regimen an answer asks (QD is 24 h) would be read 24 times off. The data summary
 * (`qusop data`, and before every fit) says so when a subject's doses recur at a median gap of 2 h or
 * less; it is a hint, not a refusal: a trial dosed hourly is read as written.
 */
import { median } from 'd3-array';
import type { Dataset } from './dataset.js';

/** Doses closer than this (median gap, hours as read) make the hint. */
export const HOURLY_GAP_H = 2;

/** The hint line, or undefined when the doses' spacing gives no reason to doubt the time unit. */
export function timeUnitHint(d: Pick<Dataset, 'spec' | 'subjects'>): string | undefined {
  if (d.spec.timeUnit !== 'h') return undefined;
  const gaps = d.subjects.flatMap((s) => {
    const times = [...new Set(s.doses.map((x) => x.timeH))].sort((a, b) => a - b);
    return times.slice(1).map((t, i) => t - (times[i] ?? t));
  });
  const m = median(gaps);
  if (m === undefined || !(m > 0 && m <= HOURLY_GAP_H)) return undefined;
  return `time unit: a subject's doses recur every ${Number(m.toPrecision(4))} h (median gap between doses, TIME read in hours): if TIME and II are in days, write time_unit: d in a dataset spec (--data-spec SPEC.yaml; models/ingest/README.md); rates, half-lives and the answers' regimens (QD = 24 h) depend on it`;
}
