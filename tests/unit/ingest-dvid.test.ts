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
