/**
 * The hint a degenerate oral fit gets when its doses had no CMT (analysis/fit/route-hint.ts): NONMEM's
 * phenobarbital layout (`ID TIME AMT WT APGR DV`, IV doses, no CMT) fitted without `dose_route: central`
 * ran KA to 1673 /h and stopped with exit 1 naming only the rate; the option that reads the file right
 * was not mentioned.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTrial } from '../../models/ingest/trial.js';
import { parseDataSpec } from '../../models/ingest/data-spec.js';
import { ivRouteHint } from '../../analysis/fit/route-hint.js';
import type { DegeneracyProblem } from '../../models/estimate/degeneracy.js';

const PHENO = ['  ID  TIME   AMT   WT  DV', '   1   0.0  25.0  1.4   0', '   1   2.0   0    1.4  17.3', '   1  12.0   3.5  1.4   0', '   2   0.0  30.0  1.5   0', '   2  40.0   0    1.5  21.0'].join('\n') + '\n';
const WITH_CMT = 'ID,TIME,AMT,DV,CMT,WT\n1,0,100,.,1,70\n1,2,0,3.1,2,70\n';

const ka = (value: number, kind: DegeneracyProblem['kind'] = 'implausible-rate'): DegeneracyProblem => ({ kind, parameter: 'KA', value, message: `rate KA is ${value} /h` });

test('doses without CMT read as oral and KA past the plausible maximum: the hint names dose_route: central', () => {
  const trial = parseTrial(PHENO, 'pheno.dta');
  const hint = ivRouteHint(trial, [ka(1673)]);
  assert.match(hint ?? '', /^KA ran to 1673 \/h, .* the doses have no CMT, so they were read as oral .*`dose_route: central`/);
  assert.match(ivRouteHint(trial, [ka(2e4, 'at-bound')]) ?? '', /dose_route: central/);
});

test('no hint: KA plausible or low, another problem, doses with a CMT, or doses read as IV by the spec', () => {
  const trial = parseTrial(PHENO, 'pheno.dta');
  assert.equal(ivRouteHint(trial, [ka(5)]), undefined);
  assert.equal(ivRouteHint(trial, [ka(1e-7)]), undefined, 'a vanishing KA is not an IV drug');
  assert.equal(ivRouteHint(trial, [{ kind: 'information', parameter: 'Fisher information', value: -1, message: '' }]), undefined);
  assert.equal(ivRouteHint(parseTrial(WITH_CMT, 'cmt.csv'), [ka(1673)]), undefined, 'a CMT column says where the doses go');
  const iv = parseTrial(PHENO, 'pheno.dta', parseDataSpec('dose_route: central\n', 'spec.yaml'));
  assert.equal(ivRouteHint(iv, [ka(1673)]), undefined);
});
