// IV infusions under the PD structures on IV PK (issue 18 §1: "IV bolus and IV infusion" for every
// PD). The double-precision biomarker of a history with infusions (overlapping, mixed with a bolus, an
// observation inside and at the end of an infusion) against an RK4 of the whole ODE system written out
// here (PK compartments, effect site or turnover), which shares no code with the closed forms; an
// infusion shortened towards 0 h tends to the bolus.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { biomarker } from '../../models/structures/pd.js';
import { individualParameters } from '../../models/structures/parameters.js';
import type { IndividualParameters, PopulationParameters } from '../../models/structures/parameters.js';
import type { Dose } from '../../models/structures/pk.js';
import { IV_PD_STRUCTURES, type Structure } from '../../models/structures/structure.js';

const FIXED: PopulationParameters['fixed'] = { CL: 0.5, V1: 10, Q: 0.6, V2: 30, KA: 1, R0: 10, BETA_COMED_R0: -0.2, KOUT: 0.15, IMAX: 0.8, IC50: 1.5, GAMMA: 1.3, KE0: 0.3, SMAX: 2, ALAG: 0, D1: 0, SLOPE: 0, KTR: 1, Q3: 0, V3: 1, MTT: 0, VMAX: 0, KM: 1 };

// 2 h and 6 h infusions, the second overlapping the first, a bolus during the second, a late infusion;
// observations before, inside, at the end of and after infusions
const HISTORY: Dose[] = [
  { timeH: 0, amountMg: 120, route: 'central', durationH: 2 },
  { timeH: 1, amountMg: 60, route: 'central', durationH: 6 },
  { timeH: 4, amountMg: 40, route: 'central' },
  { timeH: 24, amountMg: 90, route: 'central', durationH: 3 },
];
const CHECKPOINTS = [0.5, 2, 3.5, 7, 12, 25, 27, 40];

/** The ODE right-hand side of the PD state x given C (mg/L), and the biomarker read from x. */
interface PdOde { start: (p: IndividualParameters) => number; rhs: (p: IndividualParameters, c: number, x: number) => number; read: (p: IndividualParameters, c: number, x: number) => number }

const hill = (p: IndividualParameters, c: number): number => (c > 0 ? 1 / (1 + (p.IC50 / c) ** p.GAMMA) : 0);

function odeOf(s: Structure): PdOde {
  const kind = s.id.replace(/^\dcmt-iv-/, '');
  const turnover = (f: (p: IndividualParameters, o: number, R: number) => number): PdOde => ({ start: (p) => p.R0, rhs: (p, c, R) => f(p, hill(p, c), R), read: (_p, _c, R) => R });
  const direct = (response: (p: IndividualParameters, o: number) => number, effectSite: boolean): PdOde => ({
    start: () => 0,
    rhs: (p, c, ce) => (effectSite ? (p.DIRECT?.KE0 ?? NaN) * (c - ce) : 0),
    read: (p, c, ce) => response(p, hill(p, effectSite ? ce : c)),
  });
  const imax = (p: IndividualParameters, o: number): number => p.R0 * (1 - p.IMAX * o);
  const emax = (p: IndividualParameters, o: number): number => p.R0 * (1 + (p.SMAX ?? NaN) * o);
  switch (kind) {
    case 'idr': return turnover((p, o, R) => p.KIN * (1 - p.IMAX * o) - p.KOUT * R);
    case 'idr2': return turnover((p, o, R) => p.KIN - p.KOUT * (1 - p.IMAX * o) * R);
    case 'idr3': return turnover((p, o, R) => p.KIN * (1 + (p.SMAX ?? NaN) * o) - p.KOUT * R);
    case 'idr4': return turnover((p, o, R) => p.KIN - p.KOUT * (1 + (p.SMAX ?? NaN) * o) * R);
    case 'imax': return direct(imax, false);
    case 'ke0-imax': return direct(imax, true);
    case 'emax': return direct(emax, false);
    case 'ke0-emax': return direct(emax, true);
    default: throw new Error(`no reference ODE for ${s.id}`);
  }
}

/**
 * RK4 of [A1, A2, x] with the infusions' total rate as a piecewise-constant input, h = 1e-3 h on a grid
 * that every dose time and infusion end falls on (all are whole or half hours): the input is constant
 * inside each step, a bolus is added between steps, so the global error is O(h^4 rate^4) ~ 1e-10.
 */
function rk4Reference(p: IndividualParameters, ode: PdOde, doses: readonly Dose[], checkpoints: readonly number[]): number[] {
  const k10 = p.CL / p.V1, k12 = p.Q > 0 ? p.Q / p.V1 : 0, k21 = p.Q > 0 ? p.Q / p.V2 : 0;
  const h = 1e-3;
  const rateAt = (t: number): number => doses.reduce((acc, d) => acc + ((d.durationH ?? 0) > 0 && t >= d.timeH && t < d.timeH + (d.durationH ?? 0) ? d.amountMg / (d.durationH ?? 1) : 0), 0);
  let y = [0, 0, ode.start(p)];
  const f = (inp: number, v: number[]): number[] => {
    const [a1 = NaN, a2 = NaN, x = NaN] = v;
    return [inp - (k10 + k12) * a1 + k21 * a2, k12 * a1 - k21 * a2, ode.rhs(p, a1 / p.V1, x)];
  };
  const out: number[] = [];
  const last = Math.max(...checkpoints);
  for (let n = 0; n * h <= last + h / 2; n += 1) {
    const t = n * h;
    for (const d of doses) if (!((d.durationH ?? 0) > 0) && Math.abs(d.timeH - t) < h / 2) y = [(y[0] ?? NaN) + d.amountMg, y[1] ?? NaN, y[2] ?? NaN];
    for (const c of checkpoints) if (Math.abs(c - t) < h / 2) out[checkpoints.indexOf(c)] = ode.read(p, (y[0] ?? NaN) / p.V1, y[2] ?? NaN);
    const inp = rateAt(t + h / 2);
    const add = (a: number[], b: number[], w: number): number[] => a.map((v, i) => v + w * (b[i] ?? NaN));
    const k1 = f(inp, y), k2 = f(inp, add(y, k1, h / 2)), k3 = f(inp, add(y, k2, h / 2)), k4 = f(inp, add(y, k3, h));
    y = y.map((v, i) => v + (h / 6) * ((k1[i] ?? NaN) + 2 * (k2[i] ?? NaN) + 2 * (k3[i] ?? NaN) + (k4[i] ?? NaN)));
  }
  return out;
}

test('IV infusions under every IV PD structure: the biomarker equals an RK4 of the whole ODE system (1 and 2 compartments, overlapping infusions, a bolus, KE0 near the PK rates)', () => {
  for (const s of IV_PD_STRUCTURES) {
    const base = individualParameters(s.compartments === 1 ? { ...FIXED, CL: 0.35, V1: 14 } : FIXED, 70, 0, s.etaNames.map(() => 0), s);
    // KE0 at k10 too: the effect site's node meets a disposition rate (the divided differences' confluent case)
    const variants = s.directEffect?.effectCompartment === true ? [base.DIRECT?.KE0 ?? NaN, base.CL / base.V1] : [undefined];
    for (const ke0 of variants) {
      const p: IndividualParameters = ke0 === undefined ? base : { ...base, DIRECT: { KE0: ke0 } };
      const want = rk4Reference(p, odeOf(s), HISTORY, CHECKPOINTS);
      const got = biomarker(p, HISTORY, CHECKPOINTS);
      // the simulators' quadratures hold 1e-6 relative (pd.ts relTol default); RK4 is ~1e-10
      CHECKPOINTS.forEach((t, i) => assert.ok(Math.abs((got[i] ?? NaN) / (want[i] ?? NaN) - 1) < 5e-6, `${s.id}${ke0 === undefined ? '' : ` KE0 ${ke0}`} t=${t}: ${got[i]} vs RK4 ${want[i]}`));
    }
  }
});

test('IV infusions under the IV PD structures: an infusion shortened towards 0 h tends to the bolus', () => {
  const times = [1, 5, 20];
  for (const s of IV_PD_STRUCTURES) {
    const p = individualParameters(FIXED, 70, 0, s.etaNames.map(() => 0), s);
    const bolus = biomarker(p, [{ timeH: 0, amountMg: 100, route: 'central' }], times);
    const short = biomarker(p, [{ timeH: 0, amountMg: 100, route: 'central', durationH: 1e-6 }], times);
    // the response moves by O(duration x the fastest rate) ~ 1e-6 relative
    times.forEach((t, i) => assert.ok(Math.abs((short[i] ?? NaN) / (bolus[i] ?? NaN) - 1) < 1e-5, `${s.id} t=${t}: ${short[i]} vs bolus ${bolus[i]}`));
  }
});
