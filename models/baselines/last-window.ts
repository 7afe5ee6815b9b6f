/**
 * What the classical baselines (QuSOP paper 5.5, 5.7) read from a trial: per subject, body weight,
 * COMED, the once-daily dose and PD_LAST_MAX, the largest observed biomarker value in the last dosing
 * window [t0, t0 + 24 h] (t0 = the last dose; placebo: the trial's latest last dose, the same hours, as
 * the calibration check and the sequence models use). Success, for the logistic link, is
 * PD_LAST_MAX <= threshold. An InputError names the file, the subject and its line when the trial lacks
 * what the baselines need: doses, biomarker samples in every subject's last window, once-daily dosing.
 */
import { InputError } from '../../worker/common/errors.js';
import type { Subject, Trial } from '../ingest/trial.js';

/** The baselines are fitted to once-daily trials (the paper's design): the last window is 24 h. */
export const BASELINE_TAU_H = 24;

export interface SubjectSummary {
  readonly id: number;
  readonly line: number;
  readonly bwKg: number;
  readonly comed: 0 | 1;
  /** amount of the last dose, mg (0 for placebo) */
  readonly doseMg: number;
  /** largest observed biomarker in the last dosing window, ng/mL */
  readonly pdLastMax: number;
  readonly pdObservations: number;
}

const lastDose = (s: Subject) => s.doses[s.doses.length - 1];

function checkOnceDaily(trial: Trial, s: Subject, family: string): void {
  const n = s.doses.length;
  if (n === 0) return;
  if (n === 1) {
    throw new InputError(`${trial.file}: subject ${s.id} (line ${s.firstLine}): one dose record; the ${family} baseline needs once-daily multiple dosing (its last ${BASELINE_TAU_H} h window)`, {
      details: { file: trial.file, subject: s.id, line: s.firstLine },
    });
  }
  const interval = s.doses[n - 1]!.timeH - s.doses[n - 2]!.timeH;
  if (Math.abs(interval - BASELINE_TAU_H) > 1e-6) {
    const line = s.doses[n - 1]!.line;
    throw new InputError(`${trial.file}: subject ${s.id} (line ${line}): the last two doses are ${interval} h apart; the ${family} baseline needs once-daily dosing (${BASELINE_TAU_H} h)`, {
      details: { file: trial.file, subject: s.id, line },
    });
  }
}

/** Every subject's summary, in trial order. */
export function lastWindowSummaries(trial: Trial, family: string): SubjectSummary[] {
  const dosed = trial.subjects.flatMap((s) => (s.doses.length === 0 ? [] : [lastDose(s)!.timeH]));
  if (dosed.length === 0) throw new InputError(`${trial.file}: no subject has a dose record; the ${family} baseline needs a dosed trial`, { details: { file: trial.file } });
  if (trial.subjects.every((s) => s.pd.length === 0)) {
    throw new InputError(
      `${trial.file}: no biomarker (PD, DVID 2) observations; the ${family} baseline is fitted to each subject's largest biomarker value in the last dosing window`,
      { details: { file: trial.file, field: 'DVID' } },
    );
  }
  const nominalStartH = Math.max(...dosed);
  return trial.subjects.map((s) => {
    checkOnceDaily(trial, s, family);
    const startH = lastDose(s)?.timeH ?? nominalStartH;
    const inWindow = s.pd.filter((o) => o.timeH >= startH && o.timeH <= startH + BASELINE_TAU_H);
    if (inWindow.length === 0) {
      throw new InputError(
        `${trial.file}: subject ${s.id} (line ${s.firstLine}): no biomarker observation in the last dosing window [${startH}, ${startH + BASELINE_TAU_H}] h; the ${family} baseline needs PD_LAST_MAX for every subject`,
        { details: { file: trial.file, subject: s.id, line: s.firstLine } },
      );
    }
    return {
      id: s.id,
      line: s.firstLine,
      bwKg: s.bwKg,
      comed: s.comed,
      doseMg: lastDose(s)?.amtMg ?? 0,
      pdLastMax: Math.max(...inWindow.map((o) => o.dv)),
      pdObservations: inWindow.length,
    };
  });
}

/** The distinct dose levels (mg), ascending. */
export function doseLevels(subjects: readonly SubjectSummary[]): number[] {
  return [...new Set(subjects.map((s) => s.doseMg))].sort((a, b) => a - b);
}
