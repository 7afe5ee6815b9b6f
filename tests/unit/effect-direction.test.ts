/**
 * The biomarker's direction under drug (analysis/fit/effect-direction.ts), which chooses the default
 * PK/PD candidates: the exact sign test, each PK/PD structure's direction, and the decision on hand-built
 * trials (falling, rising, no clear majority, no baselines, placebo subjects left out).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { effectDirection, ofDirection, signTestP, structureDirection, ALPHA } from '../../analysis/fit/effect-direction.js';
import { candidatePlan } from '../../analysis/fit/fit-trial.js';
import { STRUCTURES } from '../../models/structures/structure.js';
import type { Subject, Trial } from '../../models/ingest/trial.js';
import { mulberry32 } from '../kit/prng.js';

test('sign test: exact two-sided binomial(n, 1/2) tails', () => {
  // through log-gamma: equal to the exact fractions within a few ulps
  const close = (a: number, b: number): void => assert.ok(Math.abs(a / b - 1) < 1e-12, `${a} vs ${b}`);
  close(signTestP(0, 10), 2 / 1024);
  close(signTestP(10, 10), 2 / 1024);
  close(signTestP(1, 5), (2 * (1 + 5)) / 32);
  assert.equal(signTestP(5, 10), 1);
  assert.equal(signTestP(0, 0), 1);
  // the smallest all-one-way count that decides at ALPHA = 0.01: 2 / 2^n < 0.01 from n = 8
  assert.ok(signTestP(0, 7) >= ALPHA && signTestP(0, 8) < ALPHA);
});

test('each PK/PD structure moves the biomarker one way; PK-only structures have no direction', () => {
  const expected: Record<string, 'falls' | 'rises' | 'either'> = {
    idr: 'falls', idr4: 'falls', imax: 'falls', 'ke0-imax': 'falls',
    idr2: 'rises', idr3: 'rises', emax: 'rises', 'ke0-emax': 'rises', transit: 'rises',
    linear: 'either',
  };
  for (const s of STRUCTURES) {
    if (!s.pd) { assert.equal(structureDirection(s), undefined, s.id); continue; }
    const pd = s.id.replace(/^[12]cmt-(oral|iv)-/, '');
    assert.equal(structureDirection(s), expected[pd], s.id);
  }
});

/** n dosed subjects: a baseline sample at 0, a dose at 0, samples after it at baseline * (1 + effect) + noise */
function trial(effects: readonly number[], opts: { baseline?: boolean; placebo?: number } = {}): Trial {
  const rnd = mulberry32(7);
  const subject = (id: number, effect: number, dosed: boolean): Subject => {
    const obs = (timeH: number, dv: number, line: number) => ({ timeH, dv, cmt: null, line });
    const pd = [
      ...(opts.baseline === false ? [] : [obs(0, 10 * (1 + 0.05 * (rnd() - 0.5)), id * 10)]),
      ...[2, 8, 24].map((t, j) => obs(t, 10 * (1 + effect) * (1 + 0.05 * (rnd() - 0.5)), id * 10 + j + 1)),
    ];
    return {
      id, bwKg: 70, comed: 0, doseMg: dosed ? 10 : 0, doses: dosed ? [{ timeH: 0, amtMg: 10, cmt: 1, line: id * 10 }] : [],
      pk: [obs(2, 1, id * 10 + 5)], pd, excluded: [], firstLine: id * 10, lastLine: id * 10 + 9,
    };
  };
  const subjects = [
    ...effects.map((e, i) => subject(i + 1, e, true)),
    // placebo subjects move the other way: they must not count
    ...Array.from({ length: opts.placebo ?? 0 }, (_, i) => subject(100 + i, effects[0] !== undefined && effects[0] < 0 ? 0.5 : -0.5, false)),
  ];
  return { file: 'hand-built.csv', recordCount: 0, subjects, layout: {} as Trial['layout'] };
}

test('a falling biomarker: the falling PK/PD structures are the default candidates', () => {
  const t = trial(Array.from({ length: 12 }, () => -0.4), { placebo: 12 });
  const d = effectDirection(t);
  assert.equal(d.direction, 'falls');
  assert.deepEqual([d.falls, d.rises], [12, 0], 'placebo subjects are left out');
  assert.match(d.summary, /biomarker falls under drug: 12 of 12 dosed subjects/);
  const ids = candidatePlan(t, undefined).candidates.map((s) => s.id);
  assert.ok(ids.length > 0 && ids.every((id) => ['falls', 'either'].includes(structureDirection(STRUCTURES.find((s) => s.id === id)!) ?? '')), ids.join(', '));
  assert.ok((ids as string[]).includes('1cmt-oral-linear'), 'the linear effect goes with either direction');
  for (const id of <string[]>['1cmt-oral-idr', '2cmt-oral-idr', '1cmt-oral-idr4', '2cmt-oral-imax', '2cmt-oral-ke0-imax']) assert.ok((ids as string[]).includes(id), `${id} in ${ids.join(', ')}`);
  // the PK stage still comes first
  assert.deepEqual(candidatePlan(t, undefined).pkStage.map((s) => s.id), ['1cmt-oral', '2cmt-oral']);
});

test('a rising biomarker: the rising ones; no clear majority or no baselines: both directions', () => {
  const rising = trial(Array.from({ length: 10 }, () => 0.6));
  assert.equal(effectDirection(rising).direction, 'rises');
  const ids = candidatePlan(rising, undefined).candidates.map((s) => s.id);
  for (const id of <string[]>['1cmt-oral-idr2', '2cmt-oral-idr3', '1cmt-oral-emax', '2cmt-oral-ke0-emax', '1cmt-oral-transit', '2cmt-oral-linear']) assert.ok((ids as string[]).includes(id), `${id} in ${ids.join(', ')}`);
  assert.ok(!ids.includes('2cmt-oral-idr'), 'no falling structure');

  const mixed = trial([-0.4, 0.4, -0.4, 0.4, -0.4, 0.4, -0.4, 0.4, -0.4, 0.4]);
  const m = effectDirection(mixed);
  assert.equal(m.direction, undefined);
  assert.match(m.summary, /not clear at level 0\.01: 5 of 10 .* fall, 5 rise .*both directions/);
  const both = candidatePlan(mixed, undefined).candidates;
  assert.deepEqual(both.map((s) => s.id), ofDirection(both, undefined).map((s) => s.id));
  assert.ok(both.some((s) => structureDirection(s) === 'falls') && both.some((s) => structureDirection(s) === 'rises'));

  // seven subjects all one way are not enough at ALPHA (p = 2 / 128)
  assert.equal(effectDirection(trial(Array.from({ length: 7 }, () => -0.4))).direction, undefined);
  const none = effectDirection(trial(Array.from({ length: 12 }, () => -0.4), { baseline: false }));
  assert.equal(none.direction, undefined);
  assert.match(none.summary, /no dosed subject has biomarker samples both before and after its first dose/);
});

test('named structures are fitted as named, whatever the direction', () => {
  const t = trial(Array.from({ length: 12 }, () => 0.6));
  const named = STRUCTURES.filter((s) => s.id === '2cmt-oral-idr');
  assert.deepEqual(candidatePlan(t, named).candidates.map((s) => s.id), ['2cmt-oral-idr']);
});
