/**
 * Every structure of the library as a bench model (issue 18: "every library graph >= 1 M trajectories/s
 * end to end at T ~ 20 on 2 cores"): the structure's steady-state graph on the shipped regimen grid
 * (QD: T = 19, QW: T = 25; IV structures one more output, time-grid.ts outputTimesH) with a card whose
 * one parameter draw is a generic population (typical values below; IIV 0.09 on every eta). Throughput
 * depends on the graph's operations, not on the values, as long as they are ordinary ones.
 */
import { populationArtifact } from '../../models/export/population-model.js';
import { REGIMEN_GRIDS } from '../../models/export/time-grid.js';
import { withInfusion } from '../../models/export/infusion-regimen.js';
import { FIXED_EFFECTS, type FixedEffectName, type PopulationParameters } from '../../models/structures/parameters.js';
import { structureById, type Structure } from '../../models/structures/structure.js';
import { parseModelCard } from '../../worker/model/load-card.js';

/** Ordinary values (70 kg): half-life ~130 h, turnover ~1 day, effect half-maximal near 1 mg/L. */
const TYPICAL: Partial<Record<FixedEffectName, number>> = {
  CL: 0.05, V1: 8, Q: 0.2, V2: 6, KA: 1, R0: 10, BETA_COMED_R0: -0.2, KOUT: 0.03, IMAX: 0.9, IC50: 1, GAMMA: 1,
  KE0: 0.05, SMAX: 1.5, ALAG: 0.5, D1: 2, SLOPE: 1, KTR: 0.2, Q3: 0.1, V3: 10, MTT: 1, VMAX: 2, KM: 1,
};

export function genericPopulation(s: Structure): PopulationParameters {
  const fixed = Object.fromEntries(FIXED_EFFECTS.map((f) => [f.name, TYPICAL[f.name] ?? f.neutral])) as PopulationParameters['fixed'];
  return { fixed, omega: s.etaNames.map((_, i) => s.etaNames.map((__, j) => (i === j ? 0.09 : 0))), sigma: { pkProportional: 0.1, pkAdditive: 0.01, pdAdditive: 0.5 } };
}

/** The structure's card and graph for a regimen (an IV structure's doses infusions of `infusionH` hours when given: infusion-regimen.ts), built in memory. */
export function libraryArtifact(structureId: string, regimen: 'qd' | 'qw', infusionH?: number): { card: ReturnType<typeof parseModelCard>; onnx: Uint8Array } {
  const s = structureById(structureId, 'library model');
  const art = populationArtifact(withInfusion(REGIMEN_GRIDS[regimen], s, infusionH), genericPopulation(s), [], { bench: 'bench/perf/library-models.ts' }, {}, s);
  const card = parseModelCard(JSON.stringify({ ...art.card, name: `${structureId}-${regimen}` }), `${structureId}-${regimen} (built by bench/perf/library-models.ts)`);
  return { card, onnx: art.onnxBytes };
}
