/**
 * A scenario file's biomarker threshold in a converting unit is refused (coordinator/scenario/load.ts), as
 * in a questions file: the cards carry the biomarker as the trial records it, labelled ng/mL whatever its
 * unit (a PCA in %), so `threshold: { value: 50, unit: mg/L }` became 50000 and every dose "succeeded".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { parseScenarioText } from '../../coordinator/scenario/load.js';
import { InputError } from '../../worker/common/errors.js';
import { knownAnswerScenario } from '../kit/scenarios.js';

type Obj = Record<string, unknown>;

function text(extra: Obj): string {
  const o = knownAnswerScenario({ replicates: 2, subjects: 10, qdStop: 2, qwStop: 10 });
  const sc = (o['scenarios'] as Obj[])[0] as Obj;
  delete sc['threshold_ng_ml'];
  Object.assign(sc, extra);
  return stringify(o);
}

const refused = (extra: Obj, field: RegExp): void => {
  assert.throws(() => parseScenarioText(text(extra), 's.yaml'), (err: Error) => {
    assert.ok(err instanceof InputError, 'exit 2');
    assert.match(err.message, field);
    assert.match(err.message, /a biomarker threshold is compared with the biomarker in the unit the trial records it, unconverted/);
    return true;
  });
};

test('biomarker thresholds (the default endpoint, or a biomarker safety endpoint) in mg/L or ug/mL are refused with the field', () => {
  refused({ threshold: { value: 50, unit: 'mg/L' } }, /^s\.yaml:\d+: scenarios\[0\]\.threshold\.unit: mg\/L: /);
  refused({ endpoint: 'biomarker', threshold: { value: 50, unit: 'ug/mL' } }, /scenarios\[0\]\.threshold\.unit: ug\/mL: /);
  refused({ threshold: { value: 3.3, unit: 'ng/mL' }, safety: { endpoint: 'biomarker', threshold: { value: 1, unit: 'mg/L' }, target: 0.9 } }, /scenarios\[0\]\.safety\.threshold\.unit: mg\/L: /);
});

test('biomarker thresholds in ng/mL or ug/L, and concentration thresholds in any mass unit, are read', () => {
  for (const unit of ['ng/mL', 'ug/L']) assert.equal(parseScenarioText(text({ threshold: { value: 3.3, unit } }), 's.yaml').scenarios[0]?.threshold?.unit, unit);
  const conc = parseScenarioText(text({ endpoint: 'concentration', statistic: 'trough', comparison: '>=', threshold: { value: 2, unit: 'mg/L' }, safety: { threshold: { value: 10, unit: 'mg/L' }, target: 0.9 } }), 's.yaml');
  assert.equal(conc.scenarios[0]?.threshold?.unit, 'mg/L');
  assert.equal(conc.scenarios[0]?.safety?.endpoint, 'concentration');
});
