/** `qusop model import MODEL.yaml --out DIR`: a model file -> parameter-uncertainty draws -> QD/QW ONNX graphs and cards. */
import { createHash } from 'node:crypto';
import { codeVersion } from '../../worker/common/version.js';
import { readTextFile } from '../../worker/common/text-file.js';
import { uncertaintyDraws } from '../estimate/uncertainty.js';
import { exportPopulationModel } from '../export/population-model.js';
import { parseModelFile, type ImportedModel } from './model-file.js';
import { readNonmemTables } from './nonmem-tables.js';
import { structureOfFit } from '../structures/structure.js';
import { sweepsInfusion } from '../export/infusion-regimen.js';
import { modelFilePdUnit } from '../estimate/pd-unit.js';

/** The cards' paths, the parsed model, and what regimen the cards sweep (a note when the file names an infusion). */
export async function importModel(path: string, outDir: string): Promise<{ qd: string; qw: string; model: ImportedModel; regimenNote?: string }> {
  const text = await readTextFile(path, 'model file');
  const model = parseModelFile(text, path, (ext, cov, map) => readNonmemTables(path, ext, cov, map));
  const draws = uncertaintyDraws(model, model.draws, model.seed);
  const provenance = {
    made_by: `qusop model import ${path}`,
    code_version: codeVersion(),
    model_file: { path, sha256: createHash('sha256').update(text).digest('hex') },
    source: model.file.source ?? {},
    uncertainty: { draws: draws.length, method: `N(estimate, the file's covariance of the estimates) on the estimation scale; row 0 = point estimate; seed ${model.seed}` },
  };
  // dosing.DUR: the fit's infusion regimen, swept as such where the structure can (as the fit's own cards)
  // the biomarker's unit as the file states it (R0's unit: the fit's, write-model-file.ts)
  const cards = await exportPopulationModel(model.population, draws, outDir, provenance, {}, structureOfFit(model), model.infusionH, modelFilePdUnit(model.file.theta));
  const h = model.infusionH;
  const regimenNote = h === undefined ? undefined : sweepsInfusion(structureOfFit(model))
    ? `regimens swept: ${h} h IV infusions (dosing.DUR)`
    : `regimens swept: IV boluses (${model.structure} has no infusion regimen graph yet; dosing.DUR is ${h} h)`;
  return { ...cards, model, ...(regimenNote === undefined ? {} : { regimenNote }) };
}
