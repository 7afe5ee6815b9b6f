/**
 * In-graph periodic steady state of one compartment with linear + saturable elimination
 * (michaelis-menten-structures.ts), in concentration units, vectorised over the batch:
 *   dC/dt = a e^{-ka t} - kl C - vm C / (KM + C),   kl = CL / V, vm = VMAX / V,
 *   a = ka D / (V (1 - e^{-ka tau})) (oral: the depot's analytic steady state; IV: a = 0 and C jumps by D / V;
 *   an IV infusion regimen of Tinf hours: no jump, the input D / (V Tinf) while t < Tinf: infusionPass below).
 * IV boluses: between doses the ODE is separable, the trough and the window solve implicit equations exactly
 * (pk-mm-bolus-steady-state.ts: a few Newton and Halley steps in double, no Loop).
 * Oral doses and infusions have no closed form: one dosing interval is integrated by Lawson's RK4 (RK4 on
 * y = e^{kl t} C, so the linear elimination is exact and stable at any kl; the saturable term and the
 * absorption input are sampled at the RK4 stages) with a fixed step H_STEP inside an ONNX Loop (the body
 * below, one step per iteration).
 * The pre-dose concentration u solves u = Phi(u): Newton steps u += (Phi(u) - u) / (1 - Phi'(u)),
 * Phi' integrated alongside (dS/dt = -(kl + vm KM / (KM + C)^2) S), started from the linearised steady
 * state (the average concentration of dose rate = CL C + VMAX C / (KM + C)): COARSE_NEWTON_STEPS with the
 * 4x coarser COARSE_H_STEP (a start at a quarter of the cost), then NEWTON_STEPS with H_STEP (the fixed
 * point of the fine Phi); then a last pass whose scan output gives C on the output grid (every output
 * time is a multiple of H_STEP). Every pass runs in float64 (thousands of float32 steps would accumulate
 * ~4e-4 of rounding); the outputs are cast to float32.
 *
 * float32 safety: C is kept in [0, C_MAX] after every step and Newton step, the sensitivity's saturable
 * rate is capped at RK4's stability (it only steers Newton, not the fixed point), the Newton denominator
 * is at least NEWTON_FLOOR. Without linear clearance and a dose rate >= VMAX there is no steady state
 * (the amount grows by D - VMAX tau per interval at least): the Newton steps run to C_MAX, a very large
 * concentration, never NaN, which any exposure limit counts as exceeded (the bolus path returns C_MAX there).
 */
import { attr, DataType, doubleTensor, graph, valueInfo } from '../../worker/onnx/graph-builder.js';
import { GraphWriter } from './graph-writer.js';
import type { IndividualTensors } from './individual.js';
import { oneMinusExp } from './pk-steady-state.js';
import { bolusConcentrationAt } from './pk-mm-bolus-steady-state.js';

/** The fixed RK4 step (h): every output time and panel midpoint of the QD and QW grids is a multiple of it. */
export const H_STEP = 0.025;
/** Newton's first steps integrate with a 4x coarser step (a start for the fine ones, a quarter of the cost) */
export const COARSE_H_STEP = 0.1;
export const COARSE_NEWTON_STEPS = 6;
export const NEWTON_STEPS = 2;
/** The largest concentration the graph returns (mg/L): "no steady state" (dose rate >= VMAX, CL = 0). */
export const C_MAX = 1e20;
const NEWTON_FLOOR = 1e-7;

/** A float64 scalar constant (the shooting runs in double: 6720 float32 steps would accumulate ~4e-4 of rounding). */
function dscalar(w: GraphWriter, hint: string, value: number): string {
  const name = w.fresh(hint);
  w.initializers.push(doubleTensor(name, [], [value]));
  return name;
}

/** Per-subject rows the loop body reads from the outer graph. */
interface Rates { readonly ka: string; readonly kl: string; readonly vm: string; readonly km: string; readonly a: string; readonly decayHalf: string; readonly kaHalfStep: string }

/** The Loop body: one Lawson-RK4 step of (C, S) at t = iteration * H_STEP; `scan`: C after the step is a scan output too. `input`: a constant input share (an infusion's on or off phase) instead of e^{-ka t}. */
function stepBody(rates: Rates, scan: boolean, tag: string, hStep: number, input?: 0 | 1): ReturnType<typeof graph> {
  const b = new GraphWriter();
  return b.scoped(`mm_${tag}`, () => {
    const iter = b.fresh('iter');
    const condIn = b.fresh('cond_in');
    const c = b.fresh('c_in');
    const s = b.fresh('s_in');
    const h = dscalar(b, 'h', hStep);
    const halfH = dscalar(b, 'half_h', hStep / 2);
    const zero = dscalar(b, 'zero', 0);
    let e: [string, string, string];
    if (input === undefined) {
      const t = b.mul(b.op('Cast', [iter], 't_index', { to: attr.int(DataType.DOUBLE) }), h, 't');
      const e0 = b.exp(b.neg(b.mul(rates.ka, t, 'ka_t'), 'minus_ka_t'), 'input_0');
      const eMid = b.mul(e0, rates.kaHalfStep, 'input_mid');
      e = [e0, eMid, b.mul(eMid, rates.kaHalfStep, 'input_1')];
    } else {
      const share = dscalar(b, 'input_share', input);
      e = [share, share, share];
    }
    const out = lawsonStep(b, rates, { c, s }, { h, halfH, zero, hStep }, rates.decayHalf, e);
    const condOut = b.op('Identity', [condIn], 'cond_out');
    const scanOut = scan ? [b.op('Identity', [out.c], 'c_scan')] : [];
    const row = (n: string): ReturnType<typeof valueInfo> => valueInfo(n, DataType.DOUBLE, [1, 'B']);
    return graph({
      name: `mm_step_${tag}`,
      nodes: b.nodes,
      inputs: [valueInfo(iter, DataType.INT64, []), valueInfo(condIn, DataType.BOOL, []), row(c), row(s)],
      outputs: [valueInfo(condOut, DataType.BOOL, []), row(out.c), row(out.s), ...scanOut.map(row)],
      initializers: b.initializers,
    });
  });
}

/**
 * One Lawson-RK4 step of (C, S) over hStep, written by `b` in its scope: the input a e at the step's start,
 * middle and end (`e`), E = e^{-kl hStep / 2}; C clipped to [0, C_MAX], S to [0, 1].
 */
function lawsonStep(
  b: GraphWriter, rates: Pick<Rates, 'vm' | 'km' | 'a'>, x: { readonly c: string; readonly s: string },
  k: { readonly h: string; readonly halfH: string; readonly zero: string; readonly hStep: number }, E: string, [e0, eMid, e1]: readonly [string, string, string],
): { c: string; s: string } {
  const { c, s } = x;
  const { h, halfH, zero, hStep } = k;
  const capRate = dscalar(b, 'cap_rate', 2 / hStep);
  // g(C, e) = a e - vm C+ / (KM + C+), and the sensitivity's saturable rate vm KM / (KM + C+)^2 (capped)
  const g = (x: string, e: string, n: string): string => {
    const xp = b.op('Max', [x, zero], `${n}_pos`);
    const saturable = b.div(b.mul(rates.vm, xp, `${n}_vm_c`), b.add(rates.km, xp, `${n}_km_c`), `${n}_sat`);
    return b.sub(b.mul(rates.a, e, `${n}_in`), saturable, `${n}_g`);
  };
  const gs = (x: string, sv: string, n: string): string => {
    const xp = b.op('Max', [x, zero], `${n}_spos`);
    const denom = b.add(rates.km, xp, `${n}_skm_c`);
    const rate = b.op('Min', [b.div(b.mul(rates.vm, rates.km, `${n}_vm_km`), b.mul(denom, denom, `${n}_denom2`), `${n}_srate_raw`), capRate], `${n}_srate`);
    return b.neg(b.mul(rate, sv, `${n}_gs_pos`), `${n}_gs`);
  };
  const k1 = g(c, e0, 'k1'); const l1 = gs(c, s, 'k1');
  const c2 = b.mul(E, b.add(c, b.mul(halfH, k1, 'hk1'), 'c2_raw'), 'c2'); const s2 = b.mul(E, b.add(s, b.mul(halfH, l1, 'hl1'), 's2_raw'), 's2');
  const k2 = g(c2, eMid, 'k2'); const l2 = gs(c2, s2, 'k2');
  const c3 = b.add(b.mul(E, c, 'ec'), b.mul(halfH, k2, 'hk2'), 'c3'); const s3 = b.add(b.mul(E, s, 'es'), b.mul(halfH, l2, 'hl2'), 's3');
  const k3 = g(c3, eMid, 'k3'); const l3 = gs(c3, s3, 'k3');
  const E2 = b.mul(E, E, 'e_full');
  const c4 = b.add(b.mul(E2, c, 'e2c'), b.mul(b.mul(h, E, 'h_e'), k3, 'hek3'), 'c4'); const s4 = b.add(b.mul(E2, s, 'e2s'), b.mul(b.mul(h, E, 'h_e_s'), l3, 'hel3'), 's4');
  const k4 = g(c4, e1, 'k4'); const l4 = gs(c4, s4, 'k4');
  const sixth = dscalar(b, 'h_sixth', hStep / 6);
  const combine = (x: string, q1: string, q2: string, q3: string, q4: string, n: string): string => {
    const mid = b.mul(b.mul(dscalar(b, `${n}_two`, 2), E, `${n}_two_e`), b.add(q2, q3, `${n}_q23`), `${n}_mid`);
    const sum = b.add(b.add(b.mul(E2, q1, `${n}_e2q1`), mid, `${n}_sum12`), q4, `${n}_sum`);
    return b.add(b.mul(E2, x, `${n}_e2x`), b.mul(sixth, sum, `${n}_incr`), `${n}_raw`);
  };
  const cOut = b.op('Clip', [combine(c, k1, k2, k3, k4, 'c'), zero, dscalar(b, 'c_max', C_MAX)], 'c_out');
  const sOut = b.op('Clip', [combine(s, l1, l2, l3, l4, 's'), zero, dscalar(b, 's_max', 1)], 's_out');
  return { c: cOut, s: sOut };
}

/**
 * The steady-state concentration [n, B] at `timesH` (in (0, tau]; the pre-dose trough is asked for as tau)
 * after dose `doseRow` (oral unless `iv`; an infusion of `infusionH` hours when given) every tau hours.
 * IV boluses: the exact solution; oral doses and infusions: RK4 shooting, each time a multiple of H_STEP.
 */
export function michaelisMentenConcentrationAt(w: GraphWriter, p: IndividualTensors, doseRow: string, timesH: readonly number[], tauH: number, iv: boolean, infusionH?: number): string {
  return w.scoped('pk_mm', () => {
    const double = (x: string, hint: string): string => w.op('Cast', [x], hint, { to: attr.int(DataType.DOUBLE) });
    const kl = double(w.div(p.CL, p.V1, 'kl_f'), 'kl');
    const vm = double(w.div(p.VMAX, p.V1, 'vm_f'), 'vm');
    const km = double(p.KM, 'km');
    const doseConc = double(w.div(doseRow, p.V1, 'dose_conc_f'), 'dose_conc');
    if (iv && infusionH === undefined) return bolusConcentrationAt(w, { kl, vm, km, d: doseConc }, timesH, tauH, C_MAX);
    const steps = Math.round(tauH / H_STEP);
    const index = timesH.map((t) => Math.round(t / H_STEP) - 1);
    if (index.some((i, n) => i < 0 || i >= steps || Math.abs((i + 1) * H_STEP - (timesH[n] ?? NaN)) > 1e-9)) throw new RangeError(`graph: Michaelis-Menten output times must be multiples of ${H_STEP} h in (0, tau]`);
    const ka = iv ? dscalar(w, 'no_ka', 0) : double(p.KA, 'ka');
    // the depot's steady state in float32 (one rounding, no accumulation), then in double
    // an IV infusion regimen (infusion-regimen.ts): the input dose / (V D) while t < D (D in [1e-6 h, tau])
    const D = infusionH === undefined ? undefined : Math.min(Math.max(infusionH, 1e-6), tauH);
    const a = D !== undefined ? w.div(doseConc, dscalar(w, 'infusion_d', D), 'a') : double(w.div(w.mul(p.KA, w.div(doseRow, p.V1, 'dose_conc_a'), 'ka_dose'), oneMinusExp(w, w.mul(p.KA, w.scalar('tau', tauH), 'ka_tau'), 'depot_acc'), 'a_f'), 'a');
    const ratesFor = (hStep: number, tag: string): Rates => ({
      ka, kl, vm, km, a,
      decayHalf: w.exp(w.mul(kl, dscalar(w, `minus_half_h_${tag}`, -hStep / 2), `kl_half_h_${tag}`), `decay_half_${tag}`),
      kaHalfStep: w.exp(w.mul(ka, dscalar(w, `minus_half_h_ka_${tag}`, -hStep / 2), `ka_half_h_${tag}`), `ka_half_step_${tag}`),
    });
    const fine = ratesFor(H_STEP, 'fine');
    const coarse = ratesFor(COARSE_H_STEP, 'coarse');
    const tripOf = (n: number, tag: string): string => w.op('Reshape', [w.int64s(`trip_count_${tag}`, [n]), w.int64s(`scalar_shape_${tag}`, [])], `trip_${tag}`);
    const trip = tripOf(steps, 'fine');
    const coarseTrip = tripOf(Math.round(tauH / COARSE_H_STEP), 'coarse');
    const cond = w.op('Cast', [w.scalar('true_f', 1)], 'cond', { to: attr.int(DataType.BOOL) });
    const ones = w.add(w.mul(doseConc, dscalar(w, 'zero_s', 0), 'zero_row'), dscalar(w, 'one_s', 1), 'one_row');
    const cMax = dscalar(w, 'c_max', C_MAX);
    const zero = dscalar(w, 'zero', 0);
    // Newton's start: the average concentration c of dose rate r = D / (tau V): kl c^2 + (kl KM + vm - r) c - r KM = 0
    // (positive root in its cancellation-free form; kl = 0: c = r KM / (vm - r)), then the trough of a linear
    // one-compartment model with kl + vm / (KM + c) taken as the average concentration times e^{-k tau / 2}
    const r = w.div(doseConc, dscalar(w, 'tau_r', tauH), 'rate_conc');
    const bq = w.sub(w.add(w.mul(kl, km, 'kl_km'), vm, 'kl_km_vm'), r, 'b_quad');
    const root = w.op('Sqrt', [w.add(w.mul(bq, bq, 'b2'), w.mul(dscalar(w, 'four', 4), w.mul(kl, w.mul(r, km, 'r_km'), 'kl_r_km'), 'four_ac'), 'disc')], 'root');
    const positive = w.div(w.mul(dscalar(w, 'two', 2), w.mul(r, km, 'r_km2'), 'two_r_km'), w.add(bq, root, 'b_plus_root'), 'c_avg_pos');
    const negative = w.div(w.sub(root, bq, 'root_minus_b'), w.mul(dscalar(w, 'two_kl', 2), w.op('Max', [kl, dscalar(w, 'tiny_kl', 1e-30)], 'kl_floor'), 'two_kl_v'), 'c_avg_neg');
    const cAvg = w.op('Clip', [w.where(w.op('Greater', [bq, zero], 'b_positive'), positive, negative, 'c_avg_raw'), zero, cMax], 'c_avg');
    const kEff = w.add(kl, w.div(vm, w.add(km, cAvg, 'km_c_avg'), 'vm_over'), 'k_eff');
    let u = w.op('Clip', [w.mul(cAvg, w.exp(w.mul(kEff, dscalar(w, 'minus_half_tau', -tauH / 2), 'k_half_tau'), 'half_decay'), 'u0_raw'), zero, cMax], 'u0');
    // one interval from C(0) = start, S(0) = 1: [C(tau), S(tau)] (and C after every step when scanned)
    type Pass = (start: string, k: string) => { c: string; s: string; scanned?: string };
    const loopPass = (body: ReturnType<typeof graph>, loopTrip: string, scan = false): Pass => (start, k) => {
      const [c, sens, scanned] = w.opMulti('Loop', [loopTrip, cond, start, ones], scan ? ['c_end', 's_end', 'c_steps'] : [`phi_${k}`, `slope_${k}`], { body: attr.graph(body) });
      return { c: c ?? '', s: sens ?? '', ...(scanned === undefined ? {} : { scanned }) };
    };
    const passOf = (hStep: number, tag: string, scan: boolean): Pass => (D === undefined
      ? loopPass(stepBody(hStep === H_STEP ? fine : coarse, scan, tag, hStep), hStep === H_STEP ? trip : coarseTrip, scan)
      : infusionPass(w, { ...(hStep === H_STEP ? fine : coarse), cond, ones }, { hStep, tauH, D, tag, scan }));
    const newton = (pass: Pass, k: number): void => {
      const { c: phi, s: slope } = pass(u, String(k));
      const gap = w.sub(phi ?? '', u, `gap_${k}`);
      const denom = w.op('Max', [w.sub(dscalar(w, `one_${k}`, 1), slope ?? '', `one_minus_slope_${k}`), dscalar(w, `floor_${k}`, NEWTON_FLOOR)], `denom_${k}`);
      u = w.op('Clip', [w.add(u, w.div(gap, denom, `newton_step_${k}`), `u_raw_${k}`), zero, cMax], `u_${k + 1}`);
    };
    const coarsePass = passOf(COARSE_H_STEP, 'newton_coarse', false);
    for (let k = 0; k < COARSE_NEWTON_STEPS; k += 1) newton(coarsePass, k);
    const finePass = passOf(H_STEP, 'newton', false);
    for (let k = COARSE_NEWTON_STEPS; k < COARSE_NEWTON_STEPS + NEWTON_STEPS; k += 1) newton(finePass, k);
    const { scanned } = passOf(H_STEP, 'window', true)(u, 'final');
    const picked = w.gather(scanned ?? '', 0, index, 'c_picked'); // [n, 1, B]
    return w.op('Cast', [w.op('Squeeze', [picked, w.int64s('squeeze_axes', [1])], 'c_nodes_double')], 'c_nodes', { to: attr.int(DataType.FLOAT) }); // [n, B]
  });
}

/**
 * One interval of an IV infusion regimen from C(0) = start, S(0) = 1, the on/off switch at D exact: the
 * whole steps before D in one Loop with the input on, the step holding D as two Lawson-RK4 sub-steps
 * (on for D - k h, off for the rest; a sub-step of length 0 is left out), the steps after D in a Loop with
 * the input off; with `scan`, C after every step (the three pieces concatenated, [steps, 1, B]).
 */
function infusionPass(
  w: GraphWriter, r: Rates & { readonly cond: string; readonly ones: string }, o: { readonly hStep: number; readonly tauH: number; readonly D: number; readonly tag: string; readonly scan: boolean },
): (start: string, k: string) => { c: string; s: string; scanned?: string } {
  const steps = Math.round(o.tauH / o.hStep);
  // the step holding D: k h <= D <= (k + 1) h, the last step when D = tau
  const whole = Math.min(Math.floor(o.D / o.hStep + 1e-9), steps - 1);
  const on = Math.min(Math.max(o.D - whole * o.hStep, 0), o.hStep);
  const tripOf = (n: number, hint: string): string => w.op('Reshape', [w.int64s(`${hint}_count`, [n]), w.int64s(`${hint}_shape`, [])], hint);
  const onBody = whole > 0 ? stepBody(r, o.scan, `${o.tag}_on`, o.hStep, 1) : undefined;
  const offBody = steps - whole - 1 > 0 ? stepBody(r, o.scan, `${o.tag}_off`, o.hStep, 0) : undefined;
  const onTrip = whole > 0 ? tripOf(whole, `trip_${o.tag}_on`) : '';
  const offTrip = steps - whole - 1 > 0 ? tripOf(steps - whole - 1, `trip_${o.tag}_off`) : '';
  return (start, k) => w.scoped(`infusion_${o.tag}_${k}`, () => {
    const scans: string[] = [];
    const loop = (body: ReturnType<typeof graph>, loopTrip: string, c: string, s: string, hint: string): { c: string; s: string } => {
      const [cEnd, sEnd, scanned] = w.opMulti('Loop', [loopTrip, r.cond, c, s], o.scan ? [`${hint}_c`, `${hint}_s`, `${hint}_steps`] : [`${hint}_c`, `${hint}_s`], { body: attr.graph(body) });
      if (scanned !== undefined) scans.push(scanned);
      return { c: cEnd ?? '', s: sEnd ?? '' };
    };
    let x = onBody === undefined ? { c: start, s: r.ones } : loop(onBody, onTrip, start, r.ones, 'on');
    // the step holding D: on for `on` hours, off for the rest
    for (const [length, share, hint] of [[on, 1, 'switch_on'], [o.hStep - on, 0, 'switch_off']] as const) {
      if (!(length > 0)) continue;
      x = w.scoped(hint, () => {
        const decay = w.exp(w.mul(r.kl, dscalar(w, 'minus_half_h', -length / 2), 'kl_half_h'), 'decay_half');
        const input = dscalar(w, 'input_share', share);
        return lawsonStep(w, r, x, { h: dscalar(w, 'h', length), halfH: dscalar(w, 'half_h', length / 2), zero: dscalar(w, 'zero', 0), hStep: length }, decay, [input, input, input]);
      });
    }
    if (o.scan) scans.push(w.unsqueeze(x.c, [0], 'switch_step_c'));
    if (offBody !== undefined) x = loop(offBody, offTrip, x.c, x.s, 'off');
    return { ...x, ...(o.scan ? { scanned: scans.length === 1 ? scans[0] ?? '' : w.concat(scans, 0, 'c_steps') } : {}) };
  });
}