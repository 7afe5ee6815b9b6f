/**
 * Training the quantum-kernel regressor on EstData with the shipped fit (models/qkernel/train.ts): the
 * training set it reads (covariates standardised, placebo subjects' uninformed PK etas left out) and
 * the same bytes for the same seed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTrainingSet } from '../../models/qkernel/training-set.js';
import { trainQkernel } from '../../models/qkernel/train.js';
import { ROOT } from '../kit/cli.js';

const TRIAL = join(ROOT, 'data', 'EstData.csv');
const FIT = join(ROOT, 'models', 'estdata');

test('training set: 48 EstData subjects, BW and COMED standardised, an eta estimate of exactly 0 (no data informed it) left out', async () => {
  const s = await readTrainingSet(FIT, TRIAL);
  assert.equal(s.ids.length, 48);
  assert.deepEqual(s.standardiser.inputs, ['bw', 'comed']);
  for (let k = 0; k < 2; k++) {
    const col = s.x.map((r) => r[k]!);
    assert.ok(Math.abs(col.reduce((a, b) => a + b, 0) / 48) < 1e-12, 'mean 0');
    assert.ok(Math.abs(col.reduce((a, b) => a + b * b, 0) / 47 - 1) < 1e-12, 'sd 1');
  }
  const fit = JSON.parse(await readFile(join(FIT, 'fit.json'), 'utf8')) as { fit: { individual: { id: number; eta: number[] }[] } };
  const byId = new Map(fit.fit.individual.map((r) => [r.id, r.eta]));
  s.ids.forEach((id, i) => s.y[i]!.forEach((v, k) => assert.equal(v, byId.get(id)![k] === 0 ? null : byId.get(id)![k])));
  // EstData's placebo subjects have no concentrations: their CL, V1, KA estimates stay at 0
  const cl = s.y.filter((r) => r[0] === null).length;
  assert.ok(cl > 0 && cl < 48, `${cl} subjects without a CL estimate`);
  assert.ok(s.y.every((r) => r[3] !== null), 'every subject has an R0 estimate');
});

test('the same seed gives the same bytes (ONNX, cards, params)', { timeout: 120_000 }, async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'qkernel-'));
  try {
    const dirs = [join(tmp, 'a'), join(tmp, 'b')];
    for (const d of dirs) await trainQkernel({ trialPath: TRIAL, fitDir: FIT, outDir: d, seed: 4 });
    const files = (await readdir(dirs[0]!)).sort();
    assert.equal(files.length, 5);
    for (const f of files) assert.ok((await readFile(join(dirs[0]!, f))).equals(await readFile(join(dirs[1]!, f))), `${f}: same bytes`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});
