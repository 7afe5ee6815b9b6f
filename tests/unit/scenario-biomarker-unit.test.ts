/**
 * A scenario file's biomarker threshold is compared with the biomarker unconverted, in the unit the
 * card's units.pd names (worker/model/biomarker-unit.ts): any unit is read, and the run's compile
 * refuses one that is not the card's with the file, line, field and the unit expected
 * (coordinator/scenario/biomarker-threshold.ts). `threshold: { value: 50, unit: mg/L }` on a card in
 * ng/mL became 50000 before units were checked, and every dose "succeeded". Concentration thresholds
 * still need a mass unit (load.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { parseScenarioText } from '../../coordinator/scenario/load.js';
import { compileScenarioFile } from '../../coordinator/scenario/compile.js';
import { InputError } from '../../worker/common/errors.js';
import { knownAnswerScenario } from '../kit/scenarios.js';
import { TEST_MODEL_DIR, withTempDir } from '../kit/cli.js';

type Obj = Record<string, unknown>;

function scenario(extra: Obj, cardDir = TEST_MODEL_DIR): Obj {
  const o = knownAnswerScenario({ replicates: 2, subjects: 10, qdStop: 2, qwStop: 10 });
  const sc = (o['scenarios'] as Obj[])[0] as Obj;
  delete sc['threshold_ng_ml'];
  sc['regimens'] = (sc['regimens'] as Obj[]).map((r) => ({ ...r, model: join(cardDir, `${String(r['name'])}.model.json`) }));
  Object.assign(sc, extra);
  return o;
}

/** The test model's cards with units.pd set to `unit` (the card hashes its ONNX, not itself). */
async function cardsIn(dir: string, unit: string): Promise<void> {
  for (const tag of ['qd', 'qw']) {
    const card = JSON.parse(await readFile(join(TEST_MODEL_DIR, `${tag}.model.json`), 'utf8')) as Obj;
    await writeFile(join(dir, `${tag}.model.json`), JSON.stringify({ ...card, units: { ...(card['units'] as Obj), pd: unit } }));
    await copyFile(join(TEST_MODEL_DIR, `${tag}.onnx`), join(dir, `${tag}.onnx`));
  }
}

async function compileRefused(dir: string, o: Obj, message: RegExp): Promise<void> {
  const path = join(dir, 's.yaml');
  await writeFile(path, stringify(o));
  await assert.rejects(compileScenarioFile(path), (err: Error) => {
    assert.ok(err instanceof InputError, `exit 2: ${err.message}`);
    assert.match(err.message, message);
    return true;
  });
}

test('a biomarker threshold (the question\'s or a biomarker safety endpoint\'s) in a unit other than the card\'s is refused at compile with file, line, field and the card\'s unit', async () => {
  await withTempDir(async (dir) => {
    const s = (name: string): RegExp => new RegExp(`^${dir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/s\\.yaml:\\d+: scenarios\\[0\\]\\.${name}: "`);
    await compileRefused(dir, scenario({ threshold: { value: 50, unit: 'mg/L' } }), s('threshold\\.unit'));
    await compileRefused(dir, scenario({ threshold: { value: 50, unit: 'mg/L' } }), /"mg\/L": expected ng\/mL, the biomarker unit of model .*qd\.model\.json \(units\.pd\)/);
    await compileRefused(dir, scenario({ threshold: { value: 50, unit: '%' } }), /"%": expected ng\/mL/);
    await compileRefused(dir, scenario({ threshold: { value: 3.3, unit: 'ng/mL' }, safety: { endpoint: 'biomarker', threshold: { value: 1, unit: 'ug/mL' }, target: 0.9 } }), s('safety\\.threshold\\.unit'));
  });
});

test('a card in %: a threshold in % (or "percent") compiles and is carried unconverted; ng/mL is refused naming %', async () => {
  await withTempDir(async (dir) => {
    await cardsIn(dir, '%');
    const path = join(dir, 's.yaml');
    for (const unit of ['%', 'percent', ' % ']) {
      await writeFile(path, stringify(scenario({ threshold: { value: 50, unit }, threshold_sweep: [40, 60] }, dir)));
      const compiled = await compileScenarioFile(path);
      assert.equal(compiled.spec.scenarios[0]?.thresholdNgMl, 50, `unit ${JSON.stringify(unit)}`);
      assert.deepEqual(compiled.spec.scenarios[0]?.thresholdSweepNgMl, [40, 60]);
    }
    await compileRefused(dir, scenario({ threshold: { value: 50, unit: 'ng/mL' } }, dir), /scenarios\[0\]\.threshold\.unit: "ng\/mL": expected %, the biomarker unit of model/);
  });
});

test('the card\'s own unit in another spelling is taken: ug/L for ng/mL, NG/ML', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 's.yaml');
    for (const unit of ['ng/mL', 'ug/L', 'NG/ML', 'µg/L']) {
      await writeFile(path, stringify(scenario({ threshold: { value: 3.3, unit } })));
      assert.equal((await compileScenarioFile(path)).spec.scenarios[0]?.thresholdNgMl, 3.3, unit);
    }
  });
});

test('concentration thresholds need a mass unit, converted to ng/mL; any biomarker unit is read (checked at compile)', () => {
  const text = (extra: Obj): string => stringify(scenario(extra));
  const conc = parseScenarioText(text({ endpoint: 'concentration', statistic: 'trough', comparison: '>=', threshold: { value: 2, unit: 'mg/L' }, safety: { threshold: { value: 10, unit: 'mg/L' }, target: 0.9 } }), 's.yaml');
  assert.equal(conc.scenarios[0]?.threshold?.unit, 'mg/L');
  assert.equal(conc.scenarios[0]?.safety?.endpoint, 'concentration');
  assert.equal(parseScenarioText(text({ threshold: { value: 50, unit: 'IU/L' } }), 's.yaml').scenarios[0]?.threshold?.unit, 'IU/L');
  for (const [extra, field] of [
    [{ endpoint: 'concentration', threshold: { value: 2, unit: '%' } }, /^s\.yaml:\d+: scenarios\[0\]\.threshold\.unit: "%": expected one of "mg\/L", "ug\/mL", "ng\/mL", "ug\/L", "ng\/L", "pg\/mL", "mg\/mL", "g\/L" for a concentration threshold/],
    [{ threshold: { value: 3.3, unit: 'ng/mL' }, safety: { threshold: { value: 1, unit: 'mmol/L' }, target: 0.9 } }, /^s\.yaml:\d+: scenarios\[0\]\.safety\.threshold\.unit: "mmol\/L": expected one of/],
  ] as const) {
    assert.throws(() => parseScenarioText(text(extra), 's.yaml'), (err: Error) => err instanceof InputError && field.test(err.message));
  }
});
