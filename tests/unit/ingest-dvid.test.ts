/**
 * DVID values besides 1/2 and the common names: with exactly two values among the observations, one a
 * concentration's and the other no common name (nlmixr2data's warfarin writes cp and pca), the other is
 * the biomarker; anything more ambiguous stays a located error that asks for a --data-spec.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { parseTrial } from '../../models/ingest/trial.js';
import { parseDataset } from '../../models/ingest/dataset.js';
import { NO_SPEC } from '../../models/ingest/data-spec.js';

const trial = (dvids: readonly string[]): string => [
  'id,time,amt,dv,dvid,evid,mdv,wt',
  '1,0,100,.,cp,1,1,70',
  ...dvids.map((d, i) => `1,${i + 1},.,${10 - i},${d},0,0,70`),
  '',
].join('\n');

test('cp and pca: pca is the biomarker, and the data summary says why', () => {
  const t = parseTrial(trial(['cp', 'pca', 'cp', 'pca']), 'warf.csv');
  assert.deepEqual(t.subjects[0]?.pk.map((o) => o.timeH), [1, 3]);
  assert.deepEqual(t.subjects[0]?.pd.map((o) => o.timeH), [2, 4]);
  const d = parseDataset(trial(['cp', 'pca']), 'warf.csv', NO_SPEC);
  assert.match(d.endpoints.biomarker?.selector ?? '', /^DVID pca \(the one DVID value besides the concentration's\)$/);
});

test('three DVID values, or two unknown ones, or no concentration name: a located error asking for a spec', () => {
  for (const [dvids, line, found] of [[['cp', 'pca', 'inr'], 4, 'pca'], [['conc2', 'pca'], 3, 'conc2'], [['pca', 'inr'], 3, 'pca']] as const) {
    const dose = dvids[0] === 'cp' ? trial(dvids) : trial(dvids).replace(',cp,1,1,', `,${dvids[0]},1,1,`);
    assert.throws(() => parseTrial(dose, 'x.csv'), (e: Error) => {
      assert.match(e.message, new RegExp(`^x\\.csv:${line}: column dvid: expected DVID 1 \\(concentration\\) or 2 \\(biomarker\\).*found '${found}'$`));
      return true;
    });
  }
});

test("Monolix's YTYPE is read as DVID; a DVID column, wherever it stands, wins over it", () => {
  const withYtype = trial(['1', '2', '1', '2']).replace('dvid', 'ytype');
  const t = parseTrial(withYtype, 'monolix.csv');
  assert.deepEqual([t.subjects[0]?.pk.map((o) => o.timeH), t.subjects[0]?.pd.map((o) => o.timeH)], [[1, 3], [2, 4]]);
  assert.match(parseDataset(withYtype, 'monolix.csv', NO_SPEC).columns.names.DVID ?? '', /^ytype$/);
  // YTYPE before DVID in the header: DVID is the observation type, YTYPE a constant covariate candidate
  const both = withYtype.split('\n').map((l, i) => (l === '' ? l : `${i === 0 ? 'YTYPE2' : '9'},${l}`)).join('\n').replace('YTYPE2', 'YTYPE').replace('ytype', 'dvid');
  const d = parseDataset(both, 'both.csv', NO_SPEC);
  assert.equal(d.columns.names.DVID, 'dvid');
  assert.ok(d.covariates.some((c) => c.name === 'YTYPE'));
});

test("Monolix's Y is read as DV when the file has no DV column; a DV column wins over it", () => {
  const monolix = trial(['1', '2', '1', '2']).replace('dv,dvid', 'y,ytype');
  const d = parseDataset(monolix, 'monolix.csv', NO_SPEC);
  assert.deepEqual([d.columns.names.DV, d.columns.names.DVID], ['y', 'ytype']);
  const t = parseTrial(monolix, 'monolix.csv');
  assert.deepEqual([t.subjects[0]?.pk.map((o) => o.dv), t.subjects[0]?.pd.map((o) => o.dv)], [[10, 8], [9, 7]]);
  // a Y beside DV: DV is the observation, Y a covariate candidate (constant here)
  const both = trial(['1', '2']).split('\n').map((l, i) => (l === '' ? l : `${l},${i === 0 ? 'Y' : '3'}`)).join('\n');
  const b = parseDataset(both, 'both.csv', NO_SPEC);
  assert.equal(b.columns.names.DV, 'dv');
  assert.ok(b.covariates.some((c) => c.name === 'Y'));
});
