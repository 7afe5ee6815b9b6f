/**
 * The hint a degenerate fit gets when its V1 left the plausible range on the side a unit slip explains
 * (analysis/fit/unit-hint.ts): concentrations in ng/mL read as mg/L make V1 1000x too small, doses in ug
 * read as mg make it 1000x too large; the message names the spec field, unless the spec named the unit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTrial } from '../../models/ingest/trial.js';
import { parseDataSpec } from '../../models/ingest/data-spec.js';
import { unitHint } from '../../analysis/fit/unit-hint.js';
import type { DegeneracyProblem } from '../../models/estimate/degeneracy.js';

const CSV = 'ID,TIME,AMT,DV,CMT,WT\n1,0,100,.,1,70\n1,2,0,3100,2,70\n';
const v1 = (value: number, kind: DegeneracyProblem['kind'] = 'implausible-volume'): DegeneracyProblem => ({ kind, parameter: 'V1', value, message: `volume V1 is ${value} L` });
const spec = (text: string) => parseDataSpec(text, 'spec.yaml');

test('V1 below the plausible range on concentrations read as mg/L by default: the hint names endpoints.concentration.unit', () => {
  const t = parseTrial(CSV, 't.csv');
  assert.match(unitHint(t, [v1(0.004)]) ?? '', /^V1 ran to 0\.004 L, below any body volume, and the concentrations were read as mg\/L .*`endpoints: \{ concentration: \{ unit: ng\/mL \} \}`/);
  assert.match(unitHint(t, [v1(1e-4, 'at-bound')]) ?? '', /unit: ng\/mL/);
});

test('V1 above the plausible range on doses read as mg by default: the hint names dose_unit: ug', () => {
  assert.match(unitHint(parseTrial(CSV, 't.csv'), [v1(3e6)]) ?? '', /^V1 ran to 3000000 L, beyond any apparent volume, and the doses were read as mg .*`dose_unit: ug`/);
});

test('no hint: V1 plausible, another problem, units named by the spec, a trial built in code', () => {
  const t = parseTrial(CSV, 't.csv');
  assert.equal(unitHint(t, [v1(40)]), undefined);
  assert.equal(unitHint(t, [{ kind: 'implausible-volume', parameter: 'V2', value: 1e-3, message: '' }]), undefined);
  assert.equal(unitHint(parseTrial(CSV, 't.csv', spec('endpoints:\n  concentration: { cmt: 2, unit: mg/L }\n')), [v1(0.004)]), undefined);
  assert.equal(unitHint(parseTrial(CSV, 't.csv', spec('dose_unit: mg\n')), [v1(3e6)]), undefined);
  const { units: _, ...built } = t;
  assert.equal(unitHint(built, [v1(0.004)]), undefined);
});
