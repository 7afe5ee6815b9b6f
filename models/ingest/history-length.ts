/**
 * The two finite histories the Trial writes for the simulators, made longer for the fit's check
 * (analysis/fit/history-check.ts): the doses implied before a steady-state dose (SS=1,
 * steady-state-history.ts) and the washout before each reset (EVID 3/4, washout-timeline.ts). With
 * `factor` 2 every washout lasts twice as long (each later event moves on) and every implied history
 * holds twice as many doses (the extra ones earlier, at the same interval). Pure.
 */
import { impliedDoses } from './steady-state-history.js';
import type { DoseEvent, Subject, Trial } from './trial.js';

/** Whether the subject's predictions rest on a finite history: implied steady-state doses or a washout. */
export const hasFiniteHistory = (s: Subject): boolean => (s.washouts?.length ?? 0) > 0 || s.doses.some((d) => d.steadyState !== undefined);

/** The subject with each washout `factor` times as long. */
function longerWashouts(s: Subject, factor: number): Subject {
  const washouts = s.washouts ?? [];
  if (washouts.length === 0) return s;
  // an event after washout w's start moves by the extra length of w and of every washout before it
  const extras = washouts.map((w) => ({ fromH: w.fromH, extra: (factor - 1) * (w.atH - w.fromH) }));
  const shift = (t: number): number => t + extras.reduce((a, w) => a + (t > w.fromH ? w.extra : 0), 0);
  return {
    ...s,
    doses: s.doses.map((d) => ({ ...d, timeH: shift(d.timeH) })),
    pk: s.pk.map((o) => ({ ...o, timeH: shift(o.timeH) })),
    pd: s.pd.map((o) => ({ ...o, timeH: shift(o.timeH) })),
    excluded: s.excluded.map((o) => ({ ...o, timeH: shift(o.timeH) })),
    washouts: washouts.map((w) => ({ ...w, fromH: shift(w.fromH), atH: shift(w.atH) })),
  };
}

/** The doses with each run of implied steady-state doses `factor` times as long (the extra doses before the run). */
function longerImplied(doses: readonly DoseEvent[], factor: number): DoseEvent[] {
  const out: DoseEvent[] = [];
  doses.forEach((d, i) => {
    const ii = d.steadyState?.iiH;
    if (ii !== undefined && doses[i - 1]?.steadyState === undefined) {
      let count = 0;
      while (doses[i + count]?.steadyState !== undefined) count += 1;
      out.push(...impliedDoses(d, ii, count * (factor - 1)));
    }
    out.push(d);
  });
  return out;
}

/** The trial with every finite history `factor` times as long. */
export function withLongerHistory(trial: Trial, factor: number): Trial {
  return {
    ...trial,
    subjects: trial.subjects.map((s) => {
      if (!hasFiniteHistory(s)) return s;
      const w = longerWashouts(s, factor);
      return { ...w, doses: longerImplied(w.doses, factor) };
    }),
  };
}

/**
 * Where a model time falls for a reader: the time on its period's own clock (the file's TIME, which a
 * reset may restart) and the dose that opens the period (mg; the subject's arm dose in its first
 * period). What the VPC bins by, so a crossover's periods overlay instead of sitting a washout apart.
 */
export function periodClock(s: Subject, timeH: number): { timeH: number; doseMg: number } {
  const washouts = s.washouts ?? [];
  let at = -1;
  for (let i = 0; i < washouts.length; i += 1) if ((washouts[i]?.atH ?? Infinity) <= timeH) at = i;
  const w = washouts[at];
  if (w === undefined) return { timeH, doseMg: s.doseMg };
  const opening = s.doses.find((d) => d.timeH >= w.atH && d.steadyState === undefined);
  return { timeH: timeH - w.atH + w.fileTimeH, doseMg: opening?.amtMg ?? 0 };
}
