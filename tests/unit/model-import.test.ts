/** MODEL.yaml import (issue 16 step 4): exact round trip of a fit, NONMEM tables, natural-scale covariances, and located refusals. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { modelFileText } from '../../models/import/write-model-file.js';
import { parseModelFile } from '../../models/import/model-file.js';
import { readNonmemTables } from '../../models/import/nonmem-tables.js';
import { uncertaintyDraws, type EstimateWithCovariance } from '../../models/estimate/uncertainty.js';
import { ETA_NAMES, FIXED_EFFECTS } from '../../models/structures/parameters.js';
import { ROOT } from '../kit/cli.js';
import { ONE_COMPARTMENT } from '../../models/structures/structure.js';

const SHIPPED = join(ROOT, 'models', 'estdata');
const fit = JSON.parse(await readFile(join(SHIPPED, 'fit.json'), 'utf8')) as { fit: EstimateWithCovariance };
const est: EstimateWithCovariance = { population: fit.fit.population, covariance: fit.fit.covariance, omegaStructure: fit.fit.omegaStructure };
const card = JSON.parse(await readFile(join(SHIPPED, 'qd.model.json'), 'utf8')) as { inputs: { theta: { draws: number[][] } } };
const text = modelFileText(est, { draws: 200, seed: 20251121, source: { tool: 'qusop fit' } }) ?? '';

test("the shipped fit written as MODEL.yaml and read back gives the shipped cards' 200 draws bit for bit", () => {
  const m = parseModelFile(text, 'model.yaml');
  assert.deepEqual(uncertaintyDraws(m, m.draws, m.seed), card.inputs.theta.draws);
});

test('a covariance stated on the natural scale is converted by the delta method to the same estimation-scale matrix', () => {
  const doc = parse(text) as { covariance: { scale: string; parameters: Record<string, unknown>[]; matrix: number[][] } };
  const slope = est.covariance.parameters.map((p) => {
    if (p.group !== 'theta') return 1;
    const f = FIXED_EFFECTS[p.index[0] ?? 0]!;
    const x = est.population.fixed[f.name];
    return f.transform === 'log' ? x : f.transform === 'logit' ? x * (1 - x) : 1; // d natural / d transformed
  });
  doc.covariance.scale = 'natural';
  doc.covariance.parameters = doc.covariance.parameters.map(({ estimate: _e, ...rest }) => rest);
  doc.covariance.matrix = est.covariance.matrix.map((row, i) => row.map((v, j) => v * (slope[i] ?? 1) * (slope[j] ?? 1)));
  const m = parseModelFile(stringify(doc), 'natural.yaml');
  m.covariance.matrix.forEach((row, i) => row.forEach((v, j) => {
    const want = est.covariance.matrix[i]?.[j] ?? NaN;
    assert.ok(Math.abs(v - want) <= 1e-9 * Math.max(1e-12, Math.abs(want)) + 1e-18, `[${i}][${j}] ${v} vs ${want}`);
  }));
});

test("NONMEM's .ext final estimates and .cov covariance (SIGMA as variances) import to the same covariance", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'qusop-nonmem-'));
  try {
    // a NONMEM run of this model: THETAs natural, OMEGA variances, SIGMA variances
    const names: string[] = [];
    const map: Record<string, unknown> = {};
    const natural: number[] = [];
    const slope: number[] = [];
    est.covariance.parameters.forEach((p) => {
      const [a = 0, b = 0] = p.index;
      if (p.group === 'theta') {
        const f = FIXED_EFFECTS[a]!;
        const x = est.population.fixed[f.name];
        names.push(`THETA${a + 1}`); map[`THETA${a + 1}`] = { theta: f.name }; natural.push(x);
        slope.push(f.transform === 'log' ? x : f.transform === 'logit' ? x * (1 - x) : 1);
      } else if (p.group === 'omega') {
        names.push(`OMEGA(${a + 1},${b + 1})`); map[`OMEGA(${a + 1},${b + 1})`] = { omega: [ETA_NAMES[a], ETA_NAMES[b]] }; natural.push(p.value); slope.push(1);
      } else {
        names.push(`SIGMA(${a + 1},${a + 1})`); map[`SIGMA(${a + 1},${a + 1})`] = { sigma: ['pk_additive', 'pk_proportional', 'pd_additive'][a] }; natural.push(p.value ** 2); slope.push(2 * p.value); // d var / d sd
      }
    });
    const fmt = (x: number) => x.toExponential(15).toUpperCase();
    await writeFile(join(dir, 'run1.ext'), `TABLE NO.     1: First Order Conditional Estimation with Interaction\n ITERATION ${names.join(' ')} OBJ\n 0 ${natural.map(() => '1.0E+00').join(' ')} 100\n -1000000000 ${natural.map(fmt).join(' ')} 90.5\n`);
    const cov = est.covariance.matrix.map((row, i) => row.map((v, j) => v * (slope[i] ?? 1) * (slope[j] ?? 1)));
    await writeFile(join(dir, 'run1.cov'), `TABLE NO.     1: First Order Conditional Estimation with Interaction\n NAME ${names.join(' ')}\n${names.map((n, i) => ` ${n} ${(cov[i] ?? []).map(fmt).join(' ')}`).join('\n')}\n`);
    const doc = parse(text) as Record<string, unknown>;
    doc['covariance'] = { scale: 'natural', nonmem: { ext: 'run1.ext', cov: 'run1.cov', map } };
    const path = join(dir, 'model.yaml');
    await writeFile(path, stringify(doc));
    const m = parseModelFile(stringify(doc), path, (e, c, mp) => readNonmemTables(path, e, c, mp));
    m.covariance.matrix.forEach((row, i) => row.forEach((v, j) => {
      const want = est.covariance.matrix[i]?.[j] ?? NaN;
      assert.ok(Math.abs(v - want) <= 1e-9 * Math.abs(want) + 1e-20, `[${i}][${j}] ${v} vs ${want}`);
    }));
    m.covariance.parameters.forEach((p, i) => assert.ok(Math.abs(p.value - (est.covariance.parameters[i]?.value ?? NaN)) <= 1e-12 * Math.max(1, Math.abs(p.value)), p.name));
  } finally {
    await rm(dir, { recursive: true });
  }
});

const mutated = (f: (d: Record<string, any>) => void): string => {
  const d = parse(text) as Record<string, any>;
  f(d);
  return stringify(d);
};

const REFUSALS: readonly [string, string, RegExp][] = [
  ['OMEGA not positive definite', mutated((d) => { d['omega'].matrix[2][2] = -0.01; }), /^m\.yaml:\d+: omega\.matrix: OMEGA block is not positive definite \(smallest eigenvalue -0\.0100\)/],
  ['OMEGA of the wrong size', mutated((d) => { d['omega'].matrix.pop(); }), /omega\.matrix: expected a 6 x 6 matrix, found 5 rows of 6 columns/],
  ['OMEGA off-diagonal in a diagonal block', mutated((d) => { d['omega'].matrix[0][1] = 0.01; d['omega'].matrix[1][0] = 0.01; }), /omega\.matrix: a diagonal OMEGA has zeros off the diagonal/],
  ['etas in another order', mutated((d) => { d['omega'].names.reverse(); }), /omega\.names: expected the structure's etas in order: \[CL, V1, KA, R0, KOUT, IC50\]/],
  ['covariance of the wrong size', mutated((d) => { d['covariance'].matrix = d['covariance'].matrix.slice(1).map((r: number[]) => r.slice(1)); }), /covariance\.matrix: expected a 20 x 20 matrix, found 19 rows of 19 columns \(one row per covariance\.parameters entry\)/],
  ['an asymmetric covariance', mutated((d) => { d['covariance'].matrix[0][1] += 1; }), /covariance: the covariance of the estimates is not symmetric/],
  ['an estimate that disagrees with theta', mutated((d) => { d['covariance'].parameters[0].estimate += 0.5; }), /covariance\.parameters\.0: estimate .* disagrees with the model's CL/],
  ['an unknown theta', mutated((d) => { d['theta'].CLR = { value: 1 }; }), /theta: unknown field "CLR"/],
  ['a missing theta', mutated((d) => { delete d['theta'].IC50; }), /theta\.IC50: /],
  ['an unknown structure', mutated((d) => { d['structure'] = 'three-compartment'; }), /structure: /],
  ['a parameter listed twice', mutated((d) => { d['covariance'].parameters[1] = d['covariance'].parameters[0]; }), /covariance\.parameters\.1: .* is listed twice/],
];

for (const [name, body, message] of REFUSALS) {
  test(`refused, located: ${name}`, () => {
    assert.throws(() => parseModelFile(body, 'm.yaml'), (e: Error) => {
      assert.equal(e.name, 'InputError');
      assert.match(e.message, message);
      return true;
    });
  });
}

test('the .ext and .cov must hold what the map names', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'qusop-nonmem-'));
  try {
    await writeFile(join(dir, 'a.ext'), 'TABLE NO.     1: x\n ITERATION THETA1 OBJ\n -1000000000 1.5 10\n');
    await writeFile(join(dir, 'a.cov'), 'TABLE NO.     1: x\n NAME THETA1\n THETA1 0.01\n');
    assert.throws(() => readNonmemTables(join(dir, 'm.yaml'), 'a.ext', 'a.cov', { THETA2: { theta: 'V1' } }), /a\.ext: covariance\.nonmem\.map names THETA2, which the table does not have \(columns: ITERATION THETA1 OBJ\)/);
    assert.throws(() => readNonmemTables(join(dir, 'm.yaml'), 'none.ext', 'a.cov', { THETA1: { theta: 'CL' } }), /m\.yaml: covariance\.nonmem: cannot read .*none\.ext \(ENOENT\)/);
    await writeFile(join(dir, 'b.ext'), 'TABLE NO.     1: x\n ITERATION THETA1 OBJ\n 0 1.5 10\n');
    assert.throws(() => readNonmemTables(join(dir, 'm.yaml'), 'b.ext', 'a.cov', { THETA1: { theta: 'CL' } }), /b\.ext: expected the final estimates \(ITERATION -1000000000\)/);
  } finally {
    await rm(dir, { recursive: true });
  }
});

/** The shipped fit's file turned into a one-compartment one: Q and V2 gone from theta and the covariance. */
const oneCompartment = (keep: (d: Record<string, any>) => void = () => undefined): string => mutated((d) => {
  d['structure'] = 'one-compartment-oral-indirect-response';
  delete d['theta'].Q;
  delete d['theta'].V2;
  const drop = (d['covariance'].parameters as Record<string, unknown>[]).map((p) => p['theta'] === 'Q' || p['theta'] === 'V2');
  d['covariance'].parameters = d['covariance'].parameters.filter((_: unknown, i: number) => !drop[i]);
  d['covariance'].matrix = d['covariance'].matrix.filter((_: unknown, i: number) => !drop[i]).map((r: number[]) => r.filter((_, j) => !drop[j]));
  keep(d);
});

test('a one-compartment model file imports to one-compartment draws (Q and V2 held, never drawn) and its own graph', async () => {
  const { populationArtifact } = await import('../../models/export/population-model.js');
  const { REGIMEN_GRIDS } = await import('../../models/export/time-grid.js');
  const m = parseModelFile(oneCompartment(), 'one.yaml');
  assert.equal(m.structure, '1cmt-oral-idr');
  assert.deepEqual([m.population.fixed.Q, m.population.fixed.V2], [0, 1], 'Q = 0: no peripheral compartment');
  const draws = uncertaintyDraws(m, 20, 7);
  // 9 fixed effects (no Q, V2) + 21 Cholesky entries of the 6 etas
  assert.ok(draws.every((row) => row.length === 9 + 21 && row.every(Number.isFinite)));
  const art = populationArtifact(REGIMEN_GRIDS.qd, m.population, draws, {}, {}, ONE_COMPARTMENT);
  assert.equal(art.card.family, 'mechanistic-1cmt-idr');
  assert.deepEqual(art.card.inputs.theta?.names?.slice(0, 3), ['log CL', 'log V1', 'log KA']);
  // written back, the one-compartment fit names its structure and leaves Q and V2 out
  const back = parse(modelFileText(m, { draws: 20, seed: 7, source: {} }) ?? '') as { structure: string; theta: Record<string, unknown> };
  assert.equal(back.structure, 'one-compartment-oral-indirect-response');
  assert.equal('Q' in back.theta || 'V2' in back.theta, false);
});

for (const [name, body, message] of [
  ['a one-compartment file giving Q', oneCompartment((d) => { d['theta'].Q = { value: 1 }; }), /theta\.Q: structure one-compartment-oral-indirect-response has no Q/],
  ['a two-compartment file without V2', mutated((d) => { delete d['theta'].V2; }), /theta\.V2: missing: structure two-compartment-oral-indirect-response has V2/],
] as const) {
  test(`refused, located: ${name}`, () => {
    assert.throws(() => parseModelFile(body, 'm.yaml'), (e: Error) => e.name === 'InputError' && message.test(e.message));
  });
}
