/** `qusop model import MODEL.yaml --out DIR`: a model file -> parameter-uncertainty draws -> QD/QW ONNX graphs and cards. */
import { createHash } from 'node:crypto';
import { codeVersion } from '../../worker/common/version.js';
import { readTextFile } from '../../worker/common/text-file.js';
import { uncertaintyDraws } from '../estimate/uncertainty.js';
import { exportPopulationModel } from '../export/population-model.js';
import { parseModelFile, type ImportedModel } from './model-file.js';
import { readNonmemTables } from './nonmem-tables.js';
import { structureOfFit } from '../structures/structure.js';

export async function importModel(path: string, outDir: string): Promise<{ qd: string; qw: string; model: ImportedModel }> {
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
  const cards = await exportPopulationModel(model.population, draws, outDir, provenance, {}, structureOfFit(model));
  return { ...cards, model };
}
