/**
 * `qusop answer` without --out names its directory by the whole request (answer-request.ts
 * defaultAnswerDir): before, the name hashed only the trial, models, population and R/M/seed, so a second
 * answer of the same trial with another data spec, questions file, --refit or --structure landed in the
 * first one's directory and was refused there ("choose another --out"). The trial's path is not part of
 * it (the same bytes elsewhere are the same trial).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answerRequest, defaultAnswerDir } from '../../analysis/answer/answer-request.js';

const base = {
  trial: { path: '/data/trial.csv', sha256: 'a'.repeat(64) }, data_spec: null, models: [], refit: false,
  population: { bw: 'default', comed: 'default' }, replicates: 200, subjects: 1000, seed: 1,
};

test('default answer directory: one per request; the same request (trial moved) the same directory', () => {
  const dir = defaultAnswerDir(answerRequest(base));
  assert.match(dir, /^runs\/answer-[0-9a-f]{12}$/);
  assert.equal(defaultAnswerDir(answerRequest({ ...base, trial: { ...base.trial, path: '/elsewhere/copy.csv' } })), dir);
  const variants = [
    { ...base, data_spec: { path: 'spec.yaml', sha256: 'b'.repeat(64) } },
    { ...base, refit: true },
    { ...base, population: { ...base.population, questions_sha256: 'c'.repeat(64) } },
    { ...base, structures: ['1cmt-oral'] },
    { ...base, average: { min_weight: 0.01 } },
    { ...base, seed: 2 },
  ];
  const dirs = variants.map((v) => defaultAnswerDir(answerRequest(v)));
  assert.equal(new Set([dir, ...dirs]).size, variants.length + 1, dirs.join(', '));
});
