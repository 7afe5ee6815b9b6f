/**
 * The learned structure selector (models/selector): the encoder's shapes and masking (padding tokens and
 * padding subjects change nothing), the determinism of a tiny training (the same weights hash and the same
 * file bytes twice), the shortlist rule, and the refusal of weights trained for another design.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withTempDir } from '../kit/cli.js';
import { tf, readyTf } from '../../models/sequence/tf-runtime.js';
import { forward, initialValues, makeParams, type EncoderShape } from '../../models/selector/encoder.js';
import { FEATURES } from '../../models/selector/features.js';
import { shortlistRule } from '../../models/selector/shortlist.js';
import { proposeStructures } from '../../models/selector/shortlist.js';
import { trainSelector } from '../../models/selector/train.js';
import { readSelector } from '../../models/selector/weights-file.js';
import { readDataset } from '../../models/ingest/dataset.js';
import { NO_SPEC } from '../../models/ingest/data-spec.js';
import { trialFromDataset } from '../../models/ingest/trial-projection.js';
import { InputError } from '../../worker/common/errors.js';

const SHAPE: EncoderShape = { features: FEATURES, dModel: 8, heads: 2, layers: 2, ffn: 16, classes: 3, regressed: 4 };

test('selector encoder: output shapes; padding tokens and padding subjects do not change the outputs', async () => {
  await readyTf();
  const p = makeParams(SHAPE, initialValues(SHAPE, 7));
  const [b, s, l] = [2, 3, 5];
  const x = Float32Array.from({ length: b * s * l * FEATURES }, (_, i) => Math.sin(i * 0.37));
  const mask = new Float32Array(b * s * l).fill(1);
  // trial 0: subject 2 has 3 real tokens; trial 1: subject 1 is all padding
  for (let k = 3; k < l; k++) mask[(0 * s + 2) * l + k] = 0;
  for (let k = 0; k < l; k++) mask[(1 * s + 1) * l + k] = 0;
  const run = (xs: Float32Array): { logits: number[]; regression: number[]; shapes: number[][] } => tf.tidy(() => {
    const o = forward(p, SHAPE, tf.tensor4d(xs, [b, s, l, FEATURES]), tf.tensor3d(mask, [b, s, l]));
    return { logits: Array.from(o.logits.dataSync()), regression: Array.from(o.regression.dataSync()), shapes: [o.logits.shape, o.regression.shape] };
  });
  const base = run(x);
  assert.deepEqual(base.shapes, [[b, SHAPE.classes], [b, SHAPE.regressed]]);
  assert.ok(base.logits.every(Number.isFinite) && base.regression.every(Number.isFinite));
  // garbage in every masked position: the outputs stay (float32 round-off only)
  const noisy = Float32Array.from(x);
  mask.forEach((m, t) => { if (m === 0) for (let f = 0; f < FEATURES; f++) noisy[t * FEATURES + f] = 1e3 * (f + 1); });
  const after = run(noisy);
  after.logits.forEach((v, i) => assert.ok(Math.abs(v - base.logits[i]!) < 1e-4, `logit ${i}: ${v} vs ${base.logits[i]}`));
  after.regression.forEach((v, i) => assert.ok(Math.abs(v - base.regression[i]!) < 1e-4, `regression ${i}`));
  // a real token's value does change them (the test can see a change)
  const moved = Float32Array.from(x);
  moved[FEATURES * 0 + 14] = 5;
  assert.notDeepEqual(run(moved).logits, base.logits);
  for (const v of Object.values(p)) v.dispose();
});

test('shortlist rule: p >= 0.1, at least the two most probable, most probable first', () => {
  assert.deepEqual(shortlistRule([0.7, 0.25, 0.05]), [0, 1]);
  assert.deepEqual(shortlistRule([0.2, 0.3, 0.5]), [2, 1, 0]);
  assert.deepEqual(shortlistRule([0.02, 0.96, 0.02]), [1, 0]);
  assert.deepEqual(shortlistRule([0.5, 0.45, 0.05, 0.0]), [0, 1]);
  assert.deepEqual(shortlistRule([0.4, 0.3, 0.1, 0.2]), [0, 1, 3, 2]);
});

/** A small oral PK trial: 6 subjects, two doses, 7 samples each (values from a 1-cmt curve). */
function smallTrialCsv(shift = 0): string {
  const rows = ['ID,TIME,AMT,DV,EVID,MDV,CMT,DVID,BW,COMED'];
  for (let id = 1; id <= 6; id++) {
    const bw = 55 + 5 * id;
    const amt = 50 + 10 * (id % 3);
    const sample = (t: number): string => `${id},${t},.,${(2 * Math.exp(-0.05 * t) * (1 - Math.exp(-t)) + 0.1 * id).toFixed(4)},0,0,2,1,${bw},0`;
    rows.push(`${id},0,${amt},.,1,1,1,.,${bw},0`, ...[1, 2, 4, 8, 12].map(sample), `${id},24,${amt},.,1,1,1,.,${bw},0`, ...[25, 30 + shift].map(sample));
  }
  return rows.join('\n') + '\n';
}

test('selector training is deterministic for a seed (same weights hash, same file bytes); another design is refused', { timeout: 300_000 }, async () => {
  await withTempDir(async (dir) => {
    await writeFile(join(dir, 'pk.csv'), smallTrialCsv());
    const trial = trialFromDataset(await readDataset(join(dir, 'pk.csv'), NO_SPEC));
    const size = { trials: 24, maxEpochs: 2, patience: 2, batchSize: 8, dModel: 8, heads: 2, layers: 1 };
    const a = await trainSelector(trial, { outDir: join(dir, 'a'), seed: 5, size, dataFile: 'pk.csv' });
    const b = await trainSelector(trial, { outDir: join(dir, 'b'), seed: 5, size, dataFile: 'pk.csv' });
    const c = await trainSelector(trial, { outDir: join(dir, 'c'), seed: 6, size, dataFile: 'pk.csv' });
    assert.equal(a.weightsSha256, b.weightsSha256);
    assert.equal(await readFile(a.path, 'utf8'), await readFile(b.path, 'utf8'));
    assert.notEqual(a.weightsSha256, c.weightsSha256, 'another seed gives other weights');
    const sel = await readSelector(join(dir, 'a'));
    const proposal = await proposeStructures(sel, trial);
    assert.ok(proposal.shortlist.length >= 2);
    assert.ok(Math.abs(proposal.probabilities.reduce((s, c) => s + c.p, 0) - 1) < 1e-5);
    await writeFile(join(dir, 'other.csv'), smallTrialCsv(6));
    const other = trialFromDataset(await readDataset(join(dir, 'other.csv'), NO_SPEC));
    await assert.rejects(proposeStructures(sel, other), (e: unknown) => e instanceof InputError && /design\.sha256: trained for the design of pk\.csv/.test(e.message) && /qusop train selector/.test(e.message));
  });
});
