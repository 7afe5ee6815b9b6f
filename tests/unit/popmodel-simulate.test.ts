// The population model's simulator (models/structures): closed-form 2-compartment PK and the
// indirect-response biomarker, checked against a brute-force RK4 of the full ODE system, mass balance,
// superposition, and the no-drug baseline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { concentrations, pkRates, advancePk } from '../../models/structures/pk.js';
import type { Dose } from '../../models/structures/pk.js';
import { biomarker } from '../../models/structures/pd.js';
import type { IndividualParameters } from '../../models/structures/parameters.js';
import { InputError } from '../../worker/common/errors.js';

// Orders of magnitude of EstData (terminal half-life ~6 days, C ~1 mg/L per mg QD, IC50 ~1 mg/L) and the
// brief's alternative set (faster PK, potent drug).
const DATA_LIKE: IndividualParameters = { CL: 0.05, V1: 2.5, Q: 0.06, V2: 5.5, KA: 1, R0: 10.6, KOUT: 0.015, KIN: 10.6 * 0.015, IMAX: 0.86, IC50: 0.9, GAMMA: 1 };
const FAST: IndividualParameters = { CL: 3, V1: 30, Q: 5, V2: 60, KA: 1, R0: 15, KOUT: 0.02, KIN: 0.3, IMAX: 0.9, IC50: 0.05, GAMMA: 1 };

const qd = (n: number, mg: number, tauH = 24): Dose[] => Array.from({ length: n }, (_, i) => ({ timeH: tauH * i, amountMg: mg }));

/** RK4 with step h of [depot, central, peripheral, R]; doses as jumps on the step grid; returns C and R at `times`. */
function rk4(p: IndividualParameters, doses: readonly Dose[], times: readonly number[], h: number): { c: number[]; r: number[] } {
  const k10 = p.CL / p.V1, k12 = p.Q / p.V1, k21 = p.Q / p.V2;
  const f = (y: readonly number[]): number[] => {
    const c = (y[1] ?? 0) / p.V1;
    const inh = c > 0 ? (p.IMAX * c ** p.GAMMA) / (p.IC50 ** p.GAMMA + c ** p.GAMMA) : 0;
    const [a0 = 0, a1 = 0, a2 = 0, r = 0] = y;
    return [-p.KA * a0, p.KA * a0 - (k10 + k12) * a1 + k21 * a2, k12 * a1 - k21 * a2, p.KIN * (1 - inh) - p.KOUT * r];
  };
  const order = [...times.keys()].sort((a, b) => (times[a] ?? 0) - (times[b] ?? 0));
  const c = new Array<number>(times.length), r = new Array<number>(times.length);
  let y = [0, 0, 0, p.R0];
  let n = 0, next = 0;
  const at = (k: number): number => k * h;
  while (next < order.length) {
    for (const d of doses) if (Math.abs(d.timeH - at(n)) < h / 2) y[0] = (y[0] ?? 0) + d.amountMg;
    while (next < order.length && Math.abs((times[order[next] ?? 0] ?? 0) - at(n)) < h / 2) {
      c[order[next] ?? 0] = (y[1] ?? 0) / p.V1;
      r[order[next] ?? 0] = y[3] ?? 0;
      next += 1;
    }
    const add = (u: readonly number[], k: readonly number[], s: number): number[] => u.map((v, i) => v + s * (k[i] ?? 0));
    const k1 = f(y), k2 = f(add(y, k1, h / 2)), k3 = f(add(y, k2, h / 2)), k4 = f(add(y, k3, h));
    y = y.map((v, i) => v + (h / 6) * ((k1[i] ?? 0) + 2 * (k2[i] ?? 0) + 2 * (k3[i] ?? 0) + (k4[i] ?? 0)));
    n += 1;
  }
  return { c, r };
}

const maxAbs = (xs: ArrayLike<number>): number => Array.from(xs).reduce((m, x) => Math.max(m, Math.abs(x)), 0);

test('PK matches an RK4 solution of the linear 3-compartment system, including ka equal or close to alpha and beta', () => {
  const times = [0, 0.5, 1, 2, 3, 5, 8, 12, 24, 30, 48, 49, 50, 60, 72, 100, 150];
  const doses = [{ timeH: 0, amountMg: 3 }, { timeH: 24, amountMg: 3 }, { timeH: 48, amountMg: 7 }];
  const { alpha, beta } = pkRates(FAST);
  for (const KA of [1, 0.3, 2.5, alpha, beta, alpha * (1 + 1e-7), beta * (1 - 1e-9), alpha * (1 + 1e-3)]) {
    for (const base of [FAST, { ...DATA_LIKE }]) {
      const p = { ...base, KA: base === FAST ? KA : (KA * pkRates(DATA_LIKE).alpha) / alpha };
      const got = concentrations(p, doses, times);
      const ref = rk4(p, doses, times, 0.005).c;
      const scale = maxAbs(ref);
      times.forEach((t, i) => {
        assert.ok(Math.abs((got[i] ?? NaN) - (ref[i] ?? NaN)) <= 1e-8 * scale, `KA=${p.KA} t=${t}: ${got[i]} vs ${ref[i]}`);
      });
    }
  }
});

test('PK mass balance: AUC_0^inf = dose / CL, and amounts + eliminated = dose', () => {
  for (const p of [FAST, DATA_LIKE, { ...FAST, KA: pkRates(FAST).alpha }]) {
    const dose = 5;
    const { beta } = pkRates(p);
    const endH = 60 / beta; // e^-60 of the terminal phase remains
    const n = 200_000; // composite Simpson; the integrand is smooth on (0, end]
    const h = endH / n;
    const c = concentrations(p, [{ timeH: 0, amountMg: dose }], Array.from({ length: n + 1 }, (_, i) => i * h));
    let auc = (c[0] ?? 0) + (c[n] ?? 0);
    for (let i = 1; i < n; i += 1) auc += (i % 2 === 1 ? 4 : 2) * (c[i] ?? 0);
    auc *= h / 3;
    assert.ok(Math.abs(auc - dose / p.CL) <= 1e-7 * (dose / p.CL), `AUC ${auc} vs ${dose / p.CL}`);
    // amounts after stepping the state 10 h, plus CL * int_0^10 C (Simpson, 10k panels) = dose
    const m = 10_000;
    const cs = concentrations(p, [{ timeH: 0, amountMg: dose }], Array.from({ length: m + 1 }, (_, i) => (i * 10) / m));
    let eliminated = (cs[0] ?? 0) + (cs[m] ?? 0);
    for (let i = 1; i < m; i += 1) eliminated += (i % 2 === 1 ? 4 : 2) * (cs[i] ?? 0);
    eliminated *= (p.CL * (10 / m)) / 3;
    const s = advancePk(pkRates(p), { depot: dose, central: 0, peripheral: 0 }, 10);
    assert.ok(Math.abs(s.depot + s.central + s.peripheral + eliminated - dose) <= 1e-9 * dose);
    assert.ok(Math.abs(s.central / p.V1 - (cs[m] ?? NaN)) <= 1e-12 * maxAbs(cs));
  }
});

test('PK superposition is linear in doses', () => {
  const a = [{ timeH: 0, amountMg: 2 }, { timeH: 36, amountMg: 1 }];
  const b = [{ timeH: 12, amountMg: 5 }];
  const times = [0, 6, 12, 13, 40, 100, 400];
  const ca = concentrations(DATA_LIKE, a, times), cb = concentrations(DATA_LIKE, b, times);
  const cab = concentrations(DATA_LIKE, [...b, ...a], times);
  const c2a = concentrations(DATA_LIKE, a.map((d) => ({ ...d, amountMg: 2 * d.amountMg })), times);
  times.forEach((_, i) => {
    assert.ok(Math.abs((cab[i] ?? 0) - (ca[i] ?? 0) - (cb[i] ?? 0)) <= 1e-14 * maxAbs(cab));
    assert.ok(Math.abs((c2a[i] ?? 0) - 2 * (ca[i] ?? 0)) <= 1e-14 * maxAbs(c2a));
  });
  assert.equal(ca[1], concentrations(DATA_LIKE, a, [6])[0]);
});

test('PD stays at R0 without drug and before the first dose', () => {
  for (const doses of [[], [{ timeH: 10, amountMg: 0 }]]) {
    assert.deepEqual(Array.from(biomarker(FAST, doses, [0, 5, 100, 1000])), [15, 15, 15, 15]);
  }
  const r = biomarker(FAST, [{ timeH: 24, amountMg: 3 }], [0, 24, 23.9, 24.5]);
  assert.deepEqual([r[0], r[1], r[2]], [15, 15, 15]);
  assert.ok((r[3] ?? 15) < 15);
});

test('PD matches a small-step RK4 of the full system to 1e-6 relative (unsorted, repeated times; Hill exponents)', () => {
  const times = [1176, 0, 1, 2, 4, 8, 24, 48, 72, 168, 336, 480, 481, 482, 484, 488, 504, 552, 600, 672, 840, 1008, 2, 480.5];
  for (const [p, mg] of [[FAST, 3], [DATA_LIKE, 10], [DATA_LIKE, 1], [{ ...DATA_LIKE, GAMMA: 1.7, KOUT: 0.1, KIN: 1.06 }, 30], [{ ...FAST, GAMMA: 0.6 }, 0.5]] as const) {
    const doses = qd(21, mg);
    const got = biomarker(p, doses, times);
    const ref = rk4(p, doses, times, 0.01).r;
    times.forEach((t, i) => {
      const rel = Math.abs((got[i] ?? NaN) - (ref[i] ?? NaN)) / (ref[i] ?? NaN);
      assert.ok(rel <= 1e-6, `gamma=${p.GAMMA} ${mg} mg t=${t}: ${got[i]} vs ${ref[i]} (${rel})`);
    });
  }
});

test('PD rejects non-finite times and returns NaN (promptly) for NaN parameters', () => {
  assert.throws(() => biomarker(FAST, qd(2, 1), [1, NaN]), (e: unknown) => e instanceof InputError && /timesH\[1\] is NaN/.test(e.message));
  const r = biomarker({ ...FAST, KA: NaN }, qd(3, 1), [10, 60]);
  assert.ok(Number.isNaN(r[0]) && Number.isNaN(r[1]));
});

test('PD is fast enough for estimation (EstData-like subject, 21 doses, 25 times)', () => {
  const times = [0, 1, 2, 4, 8, 12, 24, 36, 48, 72, 168, 336, 480, 481, 482, 484, 488, 492, 504, 552, 600, 672, 840, 1008, 1176];
  const doses = qd(21, 3);
  for (let i = 0; i < 20; i += 1) biomarker(DATA_LIKE, doses, times);
  const ms: number[] = [];
  for (let rep = 0; rep < 5; rep += 1) {
    const t0 = performance.now();
    for (let i = 0; i < 50; i += 1) biomarker(DATA_LIKE, doses, times);
    ms.push((performance.now() - t0) / 50);
  }
  ms.sort((a, b) => a - b);
  // target < 1 ms; the bound leaves room for a loaded shared CI machine
  assert.ok((ms[2] ?? Infinity) < 5, `median ${ms[2]} ms per subject`);
});
