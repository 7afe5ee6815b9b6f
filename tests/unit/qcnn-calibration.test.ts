/**
 * Calibration of a p_success card (the QCNN's contract): a subject's predicted probability is the mean
 * of the card's P(success) over the eta and theta draws, not the fraction of draws with p >= 0.5.
 * The kit's closed-form card at dose D50 - 2 mg (p ~ 0.3 for a typical subject) tells them apart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { predictSuccessWithCard } from '../../analysis/calibration/calibration-predict.js';
import { silentLogger } from '../../worker/common/log.js';
import { normals } from '../../models/sequence/seeded.js';
import { PROBABILITY_MODEL, probabilityOf, writeProbabilityModel } from '../kit/probability-model.js';
import { withTempDir } from '../kit/cli.js';

test('calibration: a p_success card predicts the mean probability over its draws', async () => {
  await withTempDir(async (dir) => {
    const card = await writeProbabilityModel(join(dir, 'm'));
    const subjects = [{ doseMg: PROBABILITY_MODEL.D50 - 2, bwKg: 70, comed: 0 as const }, { doseMg: PROBABILITY_MODEL.D50 + 3, bwKg: 70, comed: 1 as const }];
    const draws = 400;
    const r = await predictSuccessWithCard(card, subjects, 3.3, { seed: 1, etaPerTheta: draws, maxThetaDraws: 1 }, silentLogger);
    // reference: E[sigmoid(a + 0.8 z)], z ~ N(0, 1), by an independent Monte Carlo of 200 000 normals.
    // sigmoid is 1/4-Lipschitz, so sd(sigmoid(a + 0.8 z)) <= 0.8 / 4 = 0.2 and the card's 400-draw
    // mean has sd <= 0.01: 0.05 is 5 sd (the reference's own error is 0.2 / sqrt(200 000) ~ 0.0005)
    const z = normals(7, 1, 0, 200_000);
    subjects.forEach((s, i) => {
      const expected = z.reduce((a, v) => a + probabilityOf(s.doseMg, s.bwKg, s.comed, v), 0) / z.length;
      assert.ok(Math.abs((r.p[i] ?? NaN) - expected) <= 0.05, `subject ${i}: predicted ${r.p[i]}, expected ${expected}`);
    });
    // the fraction of draws with p >= 0.5 would be ~0.16 for subject 0 (mean probability ~0.33)
    assert.ok((r.p[0] ?? 0) > 0.25, `subject 0: ${r.p[0]} looks like the fraction of draws with p >= 0.5`);
  });
});
