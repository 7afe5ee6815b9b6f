/**
 * The biomarker's unit from the trial to the card: a dataset spec's endpoints.biomarker.unit (ng/mL
 * when none is named) is the trial's (trialBiomarkerUnit), labels the fit (withPdUnit: FitResult.pdUnit
 * and the parameter table's PD units), the figures, and the card's units.pd; the worker compares a
 * biomarker threshold unconverted whatever the card's unit (thresholdForOutput), a concentration's
 * from ng/mL. A fit in ng/mL is left as it is (its fit.json and cards keep their bytes).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NO_SPEC, parseDataSpec } from '../../models/ingest/data-spec.js';
import { parseDataset } from '../../models/ingest/dataset.js';
import { summarizeDataset } from '../../models/ingest/dataset-summary.js';
import { parseTrial, trialBiomarkerUnit } from '../../models/ingest/trial.js';
import { populationArtifact } from '../../models/export/population-model.js';
import { REGIMEN_GRIDS } from '../../models/export/time-grid.js';
import { structureById } from '../../models/structures/structure.js';
import { fitPdUnit, withPdUnit } from '../../models/estimate/pd-unit.js';
import type { FitResult } from '../../models/estimate/fit.js';
import { gofSpec, vpcSpec } from '../../analysis/fit/figures.js';
import { genericPopulation } from '../../bench/perf/library-models.js';
import { normaliseUnit, sameBiomarkerUnit, biomarkerUnitMismatch } from '../../worker/model/biomarker-unit.js';
import { thresholdForOutput } from '../../worker/onnx/window-statistic.js';
import type { ModelCard } from '../../worker/model/card.js';
import type { VpcResult } from '../../models/estimate/vpc.js';

const CSV = 'ID,TIME,AMT,DV,EVID,CMT,DVID,WT\n1,0,100,.,1,1,.,70\n1,2,.,1.5,0,2,1,70\n1,2,.,80,0,3,2,70\n2,0,100,.,1,1,.,60\n2,4,.,1.1,0,2,1,60\n2,4,.,70,0,3,2,60\n';
const spec = (text: string) => parseDataSpec(text, 'pct.yaml');
const PCT = spec('endpoints:\n  concentration: { dvid: 1 }\n  biomarker: { dvid: 2, unit: "%" }\n');

test('the trial\'s biomarker unit: the spec\'s, else ng/mL; qusop data says which (and when it is assumed)', () => {
  const t = parseTrial(CSV, 'pct.csv', PCT);
  assert.equal(trialBiomarkerUnit(t), '%');
  assert.deepEqual(t.subjects.map((s) => s.pd.map((o) => o.dv)), [[80], [70]], 'the biomarker is not converted');
  assert.equal(trialBiomarkerUnit(parseTrial(CSV, 'plain.csv', NO_SPEC)), 'ng/mL');
  assert.equal(trialBiomarkerUnit({}), 'ng/mL', 'a hand-built trial without units');
  assert.match(summarizeDataset(parseDataset(CSV, 'pct.csv', PCT)), /\nbiomarker: 2 samples in 2 subjects \(DVID 2, %\)\n/);
  assert.match(summarizeDataset(parseDataset(CSV, 'plain.csv', NO_SPEC)), /\nbiomarker: 2 samples in 2 subjects \(.*, ng\/mL \(assumed: no endpoints\.biomarker\.unit in a spec\)\)\n/);
});

test('the card\'s units.pd is the fit\'s biomarker unit; ng/mL by default; a PK-only card has none', () => {
  const s = structureById('1cmt-oral-idr');
  const art = (unit?: string) => populationArtifact(REGIMEN_GRIDS.qd, genericPopulation(s), [], {}, {}, s, ...(unit === undefined ? [] : [unit] as const));
  assert.equal(art('%').card.units.pd, '%');
  assert.equal(art('IU/L').card.units.pd, 'IU/L');
  assert.equal(art().card.units.pd, 'ng/mL');
  assert.deepEqual(art('%').onnxBytes, art().onnxBytes, 'the graph does not depend on the unit');
  const pk = structureById('1cmt-oral');
  assert.equal(populationArtifact(REGIMEN_GRIDS.qd, genericPopulation(pk), [], {}, {}, pk, '%').card.units.pd, undefined);
});

test('withPdUnit: pdUnit and the PD rows of the parameter table relabelled; ng/mL and PK-only fits returned as they are', () => {
  const table = [
    { group: 'theta', key: 'CL', unit: 'L/h', estimate: 1, se: 0.1, rsePercent: 10 },
    { group: 'theta', key: 'R0', unit: 'ng/mL', estimate: 80, se: 2, rsePercent: 2.5 },
    { group: 'theta', key: 'SLOPE', unit: 'ng/mL per mg/L', estimate: -3, se: 1, rsePercent: 33 },
    { group: 'theta', key: 'IC50', unit: 'mg/L', estimate: 1, se: 0.1, rsePercent: 10 },
    { group: 'sigma', key: 'pdAdditive', unit: 'ng/mL', estimate: 2, se: 0.2, rsePercent: 10 },
  ] as const;
  const fit = { structure: '1cmt-oral-idr', table } as unknown as FitResult;
  const pct = withPdUnit(fit, '%');
  assert.equal(pct.pdUnit, '%');
  assert.equal(fitPdUnit(pct), '%');
  assert.deepEqual(pct.table.map((r) => r.unit), ['L/h', '%', '% per mg/L', 'mg/L', '%']);
  assert.equal(withPdUnit(fit, 'ng/mL'), fit, 'same object: fit.json keeps its bytes');
  assert.equal(fitPdUnit(fit), 'ng/mL');
  const pk = { structure: '1cmt-oral', table } as unknown as FitResult;
  assert.equal(withPdUnit(pk, '%'), pk);
});

test('GOF and VPC panels name the biomarker\'s unit', () => {
  const points = [{ id: 1, dvid: 2 as const, timeH: 1, dv: 50, pred: 55, ipred: 52, iwres: 0.1, doseMg: 10 }];
  assert.match(JSON.stringify(gofSpec(points as never, '%')), /PD biomarker \(%\): observed vs population prediction/);
  assert.match(JSON.stringify(gofSpec(points as never)), /PD biomarker \(ng\/mL\)/);
  const vpc = { bins: [], replicates: 0, coverage: { pk: NaN, pd: NaN } } as unknown as VpcResult;
  assert.match(JSON.stringify(vpcSpec(vpc, 2, 'IU/L')), /Visual predictive check — PD biomarker \(IU\/L\)/);
});

test('unit sameness: normalised spelling, percent, and mass concentrations of one scale; nothing else', () => {
  assert.equal(normaliseUnit(' µg / L '), 'ug/l');
  for (const [a, b] of ([['%', 'percent'], ['%', ' PCT '], ['ng/mL', 'ug/L'], ['ng/mL', 'NG/ML'], ['mg/L', 'ug/mL'], ['mcg/L', 'ng/mL'], ['IU/L', 'iu/l'], ['mmHg', 'mmhg']] as const)) {
    assert.ok(sameBiomarkerUnit(a, b), `${a} = ${b}`);
  }
  for (const [a, b] of ([['mg/L', 'ng/mL'], ['%', 'ng/mL'], ['IU/L', 'U/L'], ['mmHg', 'kPa'], ['ng/mL', 'nmol/L']] as const)) {
    assert.ok(!sameBiomarkerUnit(a, b), `${a} != ${b}`);
  }
  assert.equal(biomarkerUnitMismatch('%', 'percent', 'x'), undefined);
  assert.match(biomarkerUnitMismatch('mg/L', '%', 'the card\'s units.pd') ?? '', /^"mg\/L": expected %, the card's units\.pd/);
});

test('thresholdForOutput: the biomarker unconverted whatever the card\'s units.pd; a concentration from ng/mL to the output\'s unit', () => {
  const card = (pd: string) => ({ name: 'c', family: 'f', outputs: { pd: 'pd', conc: 'conc' }, units: { dose: 'mg', bw: 'kg', pd, conc: 'mg/L' } }) as unknown as ModelCard;
  for (const pd of ['%', 'ng/mL', 'mg/L', 'IU/L']) assert.equal(thresholdForOutput(50, card(pd), 'biomarker'), 50, pd);
  assert.equal(thresholdForOutput(2000, card('%'), 'concentration'), 2);
});
