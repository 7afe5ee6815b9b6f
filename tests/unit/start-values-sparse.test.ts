/**
 * Start values for sparsely sampled trials (start-values-sparse.ts): with one or two samples per subject no
 * subject has an NCA profile, and before the pooled grid the fit refused such a trial ("no subject has a
 * PK profile"). On noise-free one-compartment data without IIV (the typical subject per weight, so the
 * naive-pooled model is the truth) the grid plus the naive-pooled refinement must recover the typical CL
 * and V (and KA for oral doses) closely; both IV (CMT of the dose = CMT of the samples) and oral.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTrial } from '../../models/ingest/trial.js';
import { startValues } from '../../models/estimate/start-values.js';
import { ONE_COMPARTMENT_IV, ONE_COMPARTMENT_PK } from '../../models/structures/structure.js';
import { mulberry32 } from '../kit/prng.js';

const TRUTH = { CL: 3.1, V: 42, KA: 0.7 };

/** 1-cmt C at t after doses (mg) at the dose times, bolus IV or first-order oral; allometric weight at 70 kg. */
function conc(t: number, doses: readonly number[], amt: number, wt: number, oral: boolean): number {
  const cl = TRUTH.CL * (wt / 70) ** 0.75;
  const v = TRUTH.V * (wt / 70);
  const k = cl / v;
  return doses.filter((d) => d < t).reduce((acc, d) => {
    const u = t - d;
    return acc + (oral ? (amt * TRUTH.KA) / (v * (TRUTH.KA - k)) * (Math.exp(-k * u) - Math.exp(-TRUTH.KA * u)) : (amt / v) * Math.exp(-k * u));
  }, 0);
}

function sparseCsv(oral: boolean): string {
  const rnd = mulberry32(7);
  const rows = ['ID,TIME,AMT,DV,EVID,MDV,CMT,WT'];
  const cmtDose = oral ? 1 : 2;
  for (let id = 1; id <= 24; id += 1) {
    const wt = 50 + 50 * rnd();
    const doses = [0, 12, 24, 36];
    // two samples per subject at scattered times (no subject has an NCA profile), rows in time order
    const times = [0.5 + 11 * rnd(), 36.5 + 11 * rnd()].map((t) => Number(t.toFixed(3)));
    const events = [...doses.map((t) => ({ t, row: `${id},${t},100,.,1,1,${cmtDose},${wt.toFixed(1)}` })),
      ...times.map((t) => ({ t, row: `${id},${t},.,${conc(t, doses, 100, Number(wt.toFixed(1)), oral).toPrecision(8)},0,0,2,${wt.toFixed(1)}` }))];
    for (const e of events.sort((a, b) => a.t - b.t)) rows.push(e.row);
  }
  return `${rows.join('\n')}\n`;
}

test('sparse IV trial: pooled-grid start values recover CL and V of noise-free data within 2 %', () => {
  const { population, notes } = startValues(parseTrial(sparseCsv(false), 'sparse-iv.csv'), ONE_COMPARTMENT_IV);
  assert.ok(notes.some((n) => n.startsWith('sparse sampling')), notes.join('; '));
  assert.ok(Math.abs(population.fixed.CL / TRUTH.CL - 1) < 0.02, `CL ${population.fixed.CL}`);
  assert.ok(Math.abs(population.fixed.V1 / TRUTH.V - 1) < 0.02, `V ${population.fixed.V1}`);
});

test('sparse oral trial: pooled-grid start values recover CL, V and KA of noise-free data within 5 %', () => {
  const { population } = startValues(parseTrial(sparseCsv(true), 'sparse-oral.csv'), ONE_COMPARTMENT_PK);
  for (const [k, truth] of [['CL', TRUTH.CL], ['V1', TRUTH.V], ['KA', TRUTH.KA]] as const) {
    const est = (population.fixed as Record<string, number>)[k] ?? NaN;
    assert.ok(Math.abs(est / truth - 1) < 0.05, `${k} ${est} vs ${truth}`);
  }
});
