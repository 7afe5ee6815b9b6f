/**
 * The models the performance suite measures: the shipped population model (QD on its 19-point grid,
 * QW on 25 points), the same graph on hourly grids (T = 24 and T = 168, the issue's shapes), and the
 * shipped BiLSTM (T = 24 / 168). Hourly variants are built in memory from the shipped card with the
 * graph builder `qusop fit` uses, so they differ from the shipped model only in the output grid.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTrajectoryGraph } from '../../models/export/trajectory-graph.js';
import type { RegimenGrid } from '../../models/export/time-grid.js';
import { encodeModel } from '../../worker/onnx/graph-builder.js';
import { loadModel, parseModelCard, sha256Hex } from '../../worker/model/load-card.js';
import type { ModelCard } from '../../worker/model/card.js';
import { libraryArtifact } from './library-models.js';

/** the repository root (bench/perf/*.ts compiles to dist/bench/perf/*.js) */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface BenchModel {
  /** short label used in tables and JSON */
  readonly id: string;
  readonly family: 'mechanistic' | 'bilstm';
  readonly regimen: 'QD' | 'QW';
  /** output time points */
  readonly T: number;
  readonly card: ModelCard;
  readonly onnx: Uint8Array;
  /** path of the ONNX file when shipped (the PyTorch peer reads it) */
  readonly onnxPath?: string;
}

export const BENCH_MODEL_IDS = ['popmodel-qd', 'popmodel-qw', 'popmodel-qd-hourly', 'popmodel-qw-hourly', 'bilstm-qd', 'bilstm-qw'] as const;
export type BenchModelId = (typeof BENCH_MODEL_IDS)[number];
/** A library structure's graph on a shipped grid (library-models.ts): `library:1cmt-oral-idr:qd`; an IV structure on an infusion regimen of 2 h: `library:2cmt-iv-ke0-imax:qd:2`. */
export type LibraryModelId = `library:${string}:${'qd' | 'qw'}` | `library:${string}:${'qd' | 'qw'}:${number}`;

async function shipped(id: BenchModelId, cardRel: string, family: BenchModel['family']): Promise<BenchModel> {
  const cardPath = join(REPO_ROOT, cardRel);
  const m = await loadModel(cardPath);
  const regimen = m.card.regimen.name === 'QW' ? 'QW' : 'QD';
  return { id, family, regimen, T: m.card.time_grid_h.length, card: m.card, onnx: m.onnx, onnxPath: join(dirname(cardPath), m.card.onnx) };
}

/** The shipped population model's graph on an hourly grid, with a card that says so. */
async function hourly(id: BenchModelId, base: BenchModel): Promise<BenchModel> {
  const tauH = base.card.regimen.tau_h;
  const tag = base.regimen === 'QW' ? 'qw' : 'qd';
  const grid: RegimenGrid = { name: base.regimen, tag, tauH, timesH: Array.from({ length: tauH }, (_, k) => k) };
  const onnx = encodeModel(buildTrajectoryGraph(grid));
  const cardJson = JSON.stringify({ ...base.card, name: id, onnx: `${id}.onnx`, sha256: sha256Hex(onnx), time_grid_h: grid.timesH });
  const card = parseModelCard(cardJson, `${id} (built by bench/perf/models.ts)`);
  return { id, family: 'mechanistic', regimen: base.regimen, T: tauH, card, onnx };
}

export async function loadBenchModel(id: BenchModelId | LibraryModelId): Promise<BenchModel> {
  if (id.startsWith('library:')) {
    const [, structureId = '', regimen, infusion] = id.split(':');
    const infusionH = infusion === undefined ? undefined : Number(infusion);
    if (infusionH !== undefined && !(infusionH > 0)) throw new RangeError(`bench model ${id}: the infusion duration must be a positive number of hours`);
    const { card, onnx } = libraryArtifact(structureId, regimen === 'qw' ? 'qw' : 'qd', infusionH);
    return { id, family: 'mechanistic', regimen: regimen === 'qw' ? 'QW' : 'QD', T: card.time_grid_h.length, card, onnx };
  }
  return loadShippedBenchModel(id as BenchModelId);
}

async function loadShippedBenchModel(id: BenchModelId): Promise<BenchModel> {
  switch (id) {
    case 'popmodel-qd':
      return shipped(id, 'models/estdata/qd.model.json', 'mechanistic');
    case 'popmodel-qw':
      return shipped(id, 'models/estdata/qw.model.json', 'mechanistic');
    case 'popmodel-qd-hourly':
      return hourly(id, await loadBenchModel('popmodel-qd'));
    case 'popmodel-qw-hourly':
      return hourly(id, await loadBenchModel('popmodel-qw'));
    case 'bilstm-qd':
      return shipped(id, 'models/sequence-estdata/bilstm-qd.model.json', 'bilstm');
    case 'bilstm-qw':
      return shipped(id, 'models/sequence-estdata/bilstm-qw.model.json', 'bilstm');
  }
}

export async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}
