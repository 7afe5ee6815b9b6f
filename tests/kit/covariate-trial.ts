/**
 * Test kit: a PK-only synthetic trial in EstData's design with one more covariate, creatinine clearance
 * CRCL (mL/min), acting on clearance in power form (issue 16 §2's acceptance): the one-compartment oral
 * drug of one-compartment-trial.ts with
 *   CL_i = CL (BW / 70)^0.75 (CRCL / 100)^CRCL_EXPONENT exp(eta_CL).
 * CRCL is drawn per subject, log-normal around 90 mL/min (log sd 0.35, so ~50-170 mL/min), independent
 * of BW; its draws come from their own stream (mulberry32 of the seed), so the rest of the trial is the
 * generator's as for any seed. Biomarker rows are removed (a PK-only trial fits in seconds).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { oneCompartmentOral, writeEstDataTrial } from './estdata-design.js';
import { ONE_CMT_TRUTH } from './one-compartment-trial.js';
import { mulberry32 } from './prng.js';

export const CRCL_EXPONENT = 0.75;
export const CRCL_REFERENCE = 100;

/** The trial's CRCL per subject (file order of IDs), a deterministic function of the seed. */
function crclDraws(seed: number): () => number {
  const u = mulberry32(7919 * seed + 17);
  return () => 90 * Math.exp(0.35 * Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u()));
}

/** Writes the trial to `path` (EstData's columns plus CRCL, biomarker rows removed); returns the path. */
export async function writeCrclTrial(path: string, seed: number): Promise<string> {
  const T = ONE_CMT_TRUTH;
  const w = T.omegaSd;
  const crcl = crclDraws(seed);
  const perSubject: number[] = [];
  await writeEstDataTrial(path, seed, T.sigma, (bw, _comed, draw) => {
    const c = Number(crcl().toPrecision(4));
    perSubject.push(c);
    const p = {
      CL: T.CL * bw ** 0.75 * (c / CRCL_REFERENCE) ** CRCL_EXPONENT * Math.exp(w.CL * draw()),
      V: T.V * bw * Math.exp(w.V * draw()),
      KA: T.KA * Math.exp(w.KA * draw()),
    };
    return { conc: (doses, t) => oneCompartmentOral(p, doses, t), biomarker: (_doses, times) => new Map(times.map((t) => [t, 0])) };
  });
  const [header, ...rows] = (await readFile(path, 'utf8')).trimEnd().split('\n').map((l) => l.split(','));
  const ID = header!.indexOf('ID');
  const DVID = header!.indexOf('DVID');
  const ids = [...new Set(rows.map((r) => r[ID]!))];
  const kept = rows.filter((r) => r[DVID] !== '2').map((r) => [...r, String(perSubject[ids.indexOf(r[ID]!)])]);
  await writeFile(path, [[...header!, 'CRCL'], ...kept].map((r) => r.join(',')).join('\n') + '\n');
  return path;
}

/** The data spec declaring the effect the trial has (CL ~ CRCL, power, reference 100 mL/min). */
export const CRCL_SPEC = `covariates:
  BW: { kind: continuous, unit: kg }
  COMED: { kind: categorical }
  DOSE: { kind: continuous, unit: mg }
  CRCL: { kind: continuous, unit: mL/min }
weight: BW
covariate_effects:
  - { parameter: CL, covariate: CRCL, form: power, reference: ${CRCL_REFERENCE} }
`;
