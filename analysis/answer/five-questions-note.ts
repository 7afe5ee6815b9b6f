/**
 * `qusop answer TRIAL` without `--questions` asks the five EstData questions (SCIENCE.md: max biomarker
 * <= 3.3 ng/mL over the steady-state interval, QD 0.5-40 mg and QW 5-400 mg grids, a heavy and a
 * no-COMED population). On another drug's trial they are another drug's questions: a warfarin-like PCA
 * (% of normal, 20-120) never gets under 3.3, and nothing said so. This note says it, with the trial's
 * own biomarker range, before anything is fitted; the answers are still computed (they are what was asked).
 */
import { extent } from 'd3-array';
import { quantified, trialBiomarkerUnit, type Trial } from '../../models/ingest/trial.js';
import { DEFAULT_GRIDS } from './grid-extension.js';
import { DEFAULT_BIOMARKER_UNIT } from '../../worker/model/biomarker-unit.js';

const fmt = (x: number): string => String(Number(x.toPrecision(4)));

/** The note for a trial that is not the shipped model's (EstData) answered with the five questions; undefined for EstData itself. */
export function fiveQuestionsNote(trial: Trial, thresholdNgMl: number, isEstData: boolean): string | undefined {
  if (isEstData) return undefined;
  // the biomarker is compared unconverted, in the trial's unit (worker/model/biomarker-unit.ts)
  const unit = trialBiomarkerUnit(trial);
  const [lo, hi] = extent(trial.subjects.flatMap((s) => quantified(s.pd).map((o) => o.dv)));
  const range = lo === undefined || hi === undefined ? '' : `; its biomarker samples run ${fmt(lo)}-${fmt(hi)} ${unit === DEFAULT_BIOMARKER_UNIT ? '(the trial\'s unit)' : unit}${lo > thresholdNgMl ? `, every one above ${thresholdNgMl}` : ''}`;
  const { qd, qw } = DEFAULT_GRIDS;
  return `note: no --questions: ${trial.file} is not EstData, and gets EstData's five questions (max biomarker <= ${thresholdNgMl} ng/mL over the steady-state interval${unit === DEFAULT_BIOMARKER_UNIT ? '' : `, compared unconverted: ${thresholdNgMl} ${unit} on this trial's cards`}; QD ${qd.start}-${qd.stop} mg, QW ${qw.start}-${qw.stop} mg; SCIENCE.md)${range}; for this drug's own question write a questions file (--questions Q.yaml: analysis/answer/README.md)`;
}
