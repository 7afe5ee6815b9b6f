/**
 * Questions against the biomarker's unit before anything runs: a biomarker threshold's unit must be
 * the card's units.pd (given models), or the trial's biomarker unit, which the fitted cards will carry
 * (worker/model/biomarker-unit.ts). A question without a unit takes that unit, and the reports say so.
 */
import { cardPdUnit } from '../../worker/model/biomarker-unit.js';
import { trialBiomarkerUnit, type Trial } from '../../models/ingest/trial.js';
import { checkBiomarkerUnits, type QuestionsFile } from './questions-file.js';
import type { AnswerModel } from './models.js';

/** Every given card's units.pd against the file's biomarker thresholds. */
export function checkUnitsAgainstModels(file: QuestionsFile, path: string, models: readonly AnswerModel[]): void {
  for (const m of models) {
    for (const { cardPath, card } of Object.values(m.cards)) {
      if (card.outputs.pd === null) continue; // a PK-only or p_success card: its own checks refuse biomarker questions
      checkBiomarkerUnits(file, path, cardPdUnit(card), `the biomarker unit of model card ${cardPath} (units.pd)`);
    }
  }
}

/** The trial's biomarker unit (the fitted cards' units.pd) against the file's biomarker thresholds. */
export function checkUnitsAgainstTrial(file: QuestionsFile, path: string, trial: Trial): void {
  const declared = trial.units?.biomarker?.declared === true;
  checkBiomarkerUnits(file, path, trialBiomarkerUnit(trial), `the biomarker unit of ${trial.file} (${declared ? 'its dataset spec\'s endpoints.biomarker.unit' : 'ng/mL: no dataset spec names endpoints.biomarker.unit'}), which the fitted cards carry as units.pd`);
}

/** The unit a run's biomarker is in: the models' (the first card's units.pd), for labels. */
export function modelsPdUnit(models: readonly AnswerModel[]): string {
  const card = models.flatMap((m) => Object.values(m.cards))[0]?.card;
  return card === undefined ? cardPdUnit({ units: {} }) : cardPdUnit(card);
}
