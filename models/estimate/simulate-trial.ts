/**
 * A trial with a given design (subjects' BW, COMED, doses and sampling times) and observations drawn
 * from the population model at known parameters: eta ~ N(0, Omega), predictions from the shared
 * simulator (structures/pk.ts, structures/pd.ts, default accuracy), residual error as the fit assumes it
 * (PK: var = a^2 + b^2 f^2; PD: additive), censored below a row's LLOQ where the design gives one
 * (M3 data). The material of simulation–re-estimation and of the
 * estimation tests; seeded, so a replicate is a pure function of (design, truth, seed, replicate).
 */
import { simulatorDoses, type Observation, type Subject, type Trial } from '../ingest/trial.js';
import { choleskyLower, individualParameters, type PopulationParameters } from '../structures/parameters.js';
import { concentrations } from '../structures/pk.js';
import { biomarker } from '../structures/pd.js';
import { TWO_COMPARTMENT, type Structure } from '../structures/structure.js';
import { Purpose, RandomStream } from './rng.js';

export interface SimulatedTrial {
  readonly trial: Trial;
  /** the random effects each subject was simulated with (ETA_NAMES order) */
  readonly etas: readonly (readonly number[])[];
}

export function simulateTrial(design: Trial, truth: PopulationParameters, seed: number, replicate: number, structure: Structure = TWO_COMPARTMENT): SimulatedTrial {
  const k = (structure ?? TWO_COMPARTMENT).etaNames.length;
  const l = choleskyLower(truth.omega);
  const { pkAdditive: a, pkProportional: b, pdAdditive: c } = truth.sigma;
  const etas: number[][] = [];
  const subjects: Subject[] = design.subjects.map((s, i) => {
    const rng = new RandomStream(seed, Purpose.simulation, replicate * 65536 + i);
    const z = rng.normals(k);
    const eta = Array.from({ length: k }, (_, r) => {
      let v = 0;
      for (let j = 0; j <= r; j += 1) v += (l[r * k + j] ?? 0) * (z[j] ?? 0);
      return v;
    });
    etas.push(eta);
    const p = individualParameters(truth.fixed, s.bwKg, s.comed, eta, structure, s.covariates);
    const doses = simulatorDoses(s);
    const conc = concentrations(p, doses, s.pk.map((o) => o.timeH));
    const resp = biomarker(p, doses, s.pd.map((o) => o.timeH));
    const pk: Observation[] = s.pk.map((o, j) => {
      const f = conc[j] ?? NaN;
      return censorAtLloq(o, f + Math.sqrt(a * a + b * b * f * f) * rng.normal());
    });
    const pd: Observation[] = s.pd.map((o, j) => censorAtLloq(o, (resp[j] ?? NaN) + c * rng.normal()));
    return { ...s, pk, pd };
  });
  return { trial: { ...design, file: `${design.file}#simulated-${seed}-${replicate}`, subjects }, etas };
}

/**
 * A simulated value at a design row: as the assay reports it, censored (BLQ, dv = the limit) below
 * the row's LLOQ where the design has one, else the value (a design without LLOQs: exactly { ...o, dv }).
 */
function censorAtLloq(o: Observation, value: number): Observation {
  if (o.lloq === undefined) return { ...o, dv: value };
  const { blq: _, ...row } = o;
  return value < o.lloq ? { ...row, dv: o.lloq, blq: true } : { ...row, dv: value };
}

/** The design restricted to some subjects (e.g. a few per arm for a fast test). */
export function subsetTrial(design: Trial, keep: (s: Subject, index: number) => boolean): Trial {
  return { ...design, subjects: design.subjects.filter(keep) };
}
