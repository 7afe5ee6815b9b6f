/**
 * Writes a fitted population model as trajectory models the sweep engine runs: `qd.onnx` /
 * `qd.model.json` and `qw.onnx` / `qw.model.json`. The graphs (trajectory-graph.ts) contain no
 * fitted numbers; the card carries the parameter-uncertainty draws (packed theta rows, replicate r
 * uses draws[r % n]) and declares eta as standard normal (the graph applies each draw's Omega).
 * The card's sha256 is the hash of exactly the bytes written.
 */
import { createHash } from 'node:crypto';
import { writeOutput, makeDirectory } from '../../worker/common/fs-error.js';
import { join } from 'node:path';
import { InputError } from '../../worker/common/errors.js';
import { MODEL_CARD_SCHEMA, ModelCardSchema } from '../../worker/model/card.js';
import type { ModelCard } from '../../worker/model/card.js';
import { encodeModel } from '../../worker/onnx/graph-builder.js';
import { packTheta, thetaSize } from '../structures/parameters.js';
import type { PopulationParameters } from '../structures/parameters.js';
import { outputTimesH, REGIMEN_GRIDS } from './time-grid.js';
import { withInfusion } from './infusion-regimen.js';
import type { RegimenGrid } from './time-grid.js';
import { buildTrajectoryGraph, OUTPUTS } from './trajectory-graph.js';
import { covariateInputs } from '../structures/covariate-effects.js';
import { TWO_COMPARTMENT, type Structure } from '../structures/structure.js';
import { DEFAULT_BIOMARKER_UNIT } from '../../worker/model/biomarker-unit.js';

export const POPULATION_MODEL_VERSION = '1.0.0';

/** A structure's theta entry names: `log CL`, `BETA_COMED_R0`, `logit IMAX`, ..., then `L[CL,CL]`, `L[V1,CL]`, ... */
export function thetaNames(s: Structure = TWO_COMPARTMENT): string[] {
  return [
    ...s.fixedEffects.map((f) => (f.transform === 'identity' ? f.name : `${f.transform} ${f.name}`)),
    ...s.etaNames.flatMap((a, i) => s.etaNames.slice(0, i + 1).map((b) => `L[${a},${b}]`)),
  ];
}
/** The 2-compartment PK/PD structure's (the shipped cards'). */
export const THETA_NAMES: readonly string[] = thetaNames();

export interface PopulationArtifact {
  onnxBytes: Uint8Array;
  card: ModelCard;
}

/** Checks the draws: at least one (the point estimate when none is given), each the structure's theta size of finite numbers. */
function checkedDraws(pop: PopulationParameters, draws: readonly (readonly number[])[], s: Structure): number[][] {
  const rows = draws.length === 0 ? [packTheta(pop, s)] : draws.map((d) => [...d]);
  const names = thetaNames(s);
  rows.forEach((row, r) => {
    if (row.length !== names.length) throw new InputError(`exportPopulationModel: draws[${r}] has ${row.length} entries, expected ${names.length} for ${s.id} (${names.join(', ')})`);
    const bad = row.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new InputError(`exportPopulationModel: draws[${r}][${bad}] (${names[bad]}) is ${row[bad]}, expected a finite number`);
  });
  return rows;
}

/** ONNX bytes and a schema-validated card for one regimen (pure; nothing is written). */
export function populationArtifact(
  grid: RegimenGrid,
  pop: PopulationParameters,
  draws: readonly (readonly number[])[],
  provenance: Readonly<Record<string, unknown>>,
  diagnostics: Readonly<Record<string, unknown>> = {},
  structure: Structure = TWO_COMPARTMENT,
  pdUnit: string = DEFAULT_BIOMARKER_UNIT,
): PopulationArtifact {
  const onnxBytes = encodeModel(buildTrajectoryGraph(grid, structure));
  const card = ModelCardSchema.parse({
    schema: MODEL_CARD_SCHEMA,
    name: `popmodel-${grid.tag}`,
    family: structure.family,
    version: POPULATION_MODEL_VERSION,
    test_model: false,
    // The old source paths in description and builder are part of the shipped cards' bytes: they change
    // when the cards are next regenerated, not in a move (models/README.md).
    description: structure === TWO_COMPARTMENT
      ? '2-compartment PK with first-order absorption (allometric BW) + indirect-response PD with inhibited ' +
        'production (COMED on baseline), log-normal IIV; noise-free steady-state trajectories for the regimen ' +
        '(qusop models/popmodel/README.md).'
      : `${structure.description} (allometric BW, COMED on baseline), log-normal IIV; noise-free steady-state ` +
        `trajectories for the regimen${grid.infusionH === undefined ? '' : `, each dose a ${grid.infusionH} h IV infusion`} (qusop models/structures/structure.ts, ${structure.id}).`,
    onnx: `${grid.tag}.onnx`,
    sha256: createHash('sha256').update(onnxBytes).digest('hex'),
    regimen: { name: grid.name, tau_h: grid.tauH, window_start_h: 0, ...(grid.infusionH === undefined ? {} : { infusion_h: grid.infusionH }) },
    time_grid_h: outputTimesH(grid, structure.route),
    inputs: {
      covariates: ['dose', 'bw', 'comed', ...covariateInputs(structure).map((c) => c.name)],
      // declared covariate effects' inputs: what each is and its unit (covariate-effects.ts)
      ...(covariateInputs(structure).length === 0 ? {} : { covariate_info: covariateInputs(structure).map((c) => ({ name: c.name, kind: c.kind, unit: c.unit })) }),
      eta: { dim: structure.etaNames.length, distribution: 'standard-normal', names: [...structure.etaNames] },
      theta: { dim: thetaSize(structure), names: thetaNames(structure), draws: checkedDraws(pop, draws, structure) },
    },
    // a PK-only structure has no biomarker: pd null (concentration questions only)
    outputs: { pd: structure.pd ? OUTPUTS.pd : null, conc: OUTPUTS.conc },
    // the biomarker in the trial's unit, unconverted (worker/model/biomarker-unit.ts)
    units: structure.pd ? { dose: 'mg', bw: 'kg', pd: pdUnit, conc: 'mg/L' } : { dose: 'mg', bw: 'kg', conc: 'mg/L' },
    provenance: {
      ...provenance,
      population: { fixed: pop.fixed, omega: pop.omega, sigma: pop.sigma },
      builder: structure === TWO_COMPARTMENT ? 'models/popmodel/onnx/trajectory-graph.ts' : 'models/export/trajectory-graph.ts',
      ...(structure === TWO_COMPARTMENT ? {} : { structure: structure.id }),
    },
    diagnostics: { ...diagnostics },
  });
  return { onnxBytes, card };
}

/** Writes qd.onnx, qd.model.json, qw.onnx, qw.model.json into outDir; returns the two card paths. */
export async function exportPopulationModel(
  pop: PopulationParameters,
  draws: number[][],
  outDir: string,
  provenance: Readonly<Record<string, unknown>>,
  diagnostics: Readonly<Record<string, unknown>> = {},
  structure: Structure = TWO_COMPARTMENT,
  infusionH?: number,
  pdUnit: string = DEFAULT_BIOMARKER_UNIT,
): Promise<{ qd: string; qw: string }> {
  await makeDirectory(outDir);
  const write = async (regimen: RegimenGrid): Promise<string> => {
    // a trial's IV infusions of one duration are swept as infusions where the structure can (infusion-regimen.ts)
    const grid = withInfusion(regimen, structure, infusionH);
    const { onnxBytes, card } = populationArtifact(grid, pop, draws, provenance, diagnostics, structure, pdUnit);
    await writeOutput(join(outDir, card.onnx), onnxBytes);
    const cardPath = join(outDir, `${grid.tag}.model.json`);
    await writeOutput(cardPath, `${JSON.stringify(card, null, 2)}\n`);
    return cardPath;
  };
  return { qd: await write(REGIMEN_GRIDS.qd), qw: await write(REGIMEN_GRIDS.qw) };
}
