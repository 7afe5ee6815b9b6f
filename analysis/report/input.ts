/** What the report is made from: the answer run (cells, rounds), its answers, each round's manifest, model notes and the calibration check. */
import type { Answer } from '../answer/answers.js';
import type { CalibrationResult, CalibrationSkipped } from '../calibration/calibration-check.js';
import type { ModelNote } from '../answer/model-notes.js';
import type { AnswerRun } from '../answer/orchestrate.js';

export interface ReportInput {
  readonly run: AnswerRun;
  readonly answers: readonly Answer[];
  readonly trial: { readonly path: string; readonly sha256: string };
  /** where the models came from, in words ("given with --model", "fitted to the trial here", ...) */
  readonly modelSource: string;
  /** manifest.json of each round's run directory, by round (absent for in-process runs) */
  readonly manifests: readonly (Readonly<Record<string, unknown>> | undefined)[];
  /** sha256 of each round's scenario file, by round */
  readonly scenarioSha256: readonly string[];
  /** what each model is and assumes (model comparison); absent: not shown */
  readonly modelNotes?: readonly ModelNote[] | undefined;
  /** calibration.json's content; absent: no calibration section */
  readonly calibration?: CalibrationResult | CalibrationSkipped | undefined;
}

export const isTestModel = (input: Pick<ReportInput, 'run'>): boolean => input.run.plan.models.some((m) => m.testModel);
