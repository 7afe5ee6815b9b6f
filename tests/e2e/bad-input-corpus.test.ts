/**
 * The bad-input corpus (issues 2 and 6): every case runs the real CLI and checks the exit code, the
 * message (file, line/field, what was expected) and that no decisions were written. Exit codes:
 * 1 run failed, 2 bad input, 3 authentication, 4 coordinator unreachable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ROOT, runCli, TEST_MODEL_DIR, withTempDir } from '../kit/cli.js';
import { knownAnswerScenario } from '../kit/scenarios.js';
import { writeNanModel } from '../kit/bad-models.js';

type Obj = Record<string, unknown>;
const QD = join(TEST_MODEL_DIR, 'qd.model.json');
const QW = join(TEST_MODEL_DIR, 'qw.model.json');
const ESTDATA = join(ROOT, 'data', 'EstData.csv');

/** A tiny valid scenario as an object, for mutation. */
const base = (): Obj => knownAnswerScenario({ replicates: 2, subjects: 10, qdStop: 2, qwStop: 10 });
const sc0 = (o: Obj): Obj => (o['scenarios'] as Obj[])[0] as Obj;
const mutate = (f: (s: Obj, root: Obj) => void): string => {
  const o = base();
  f(sc0(o), o);
  return stringify(o);
};
const replaced = (from: string, to: string): string => {
  const t = stringify(base());
  assert.ok(t.includes(from), `fixture text contains ${from}`);
  return t.replace(from, to);
};
const resample = (s: Obj): void => {
  (s['population'] as Obj)['bw'] = { resample: { sigma: 0.1, clip_kg: [35, 120] } };
};

interface Case {
  readonly name: string;
  /** scenario text, or a function preparing files in dir and returning the scenario text */
  readonly scenario?: string | ((dir: string) => Promise<string>);
  /** CLI arguments; default `run <scenario> --out <dir>/out --workers 1 --quiet` */
  readonly args?: (dir: string, scenarioPath: string) => string[];
  readonly env?: Record<string, string>;
  /** runs before the command (e.g. plans a run directory) */
  readonly setup?: (dir: string, scenarioPath: string) => Promise<void>;
  readonly code: number;
  readonly message: RegExp;
}

const CASES: Case[] = [
  // scenario file structure
  { name: 'scenario file missing', args: (d) => ['run', join(d, 'nope.yaml'), '--out', join(d, 'out')], code: 2, message: /nope\.yaml: cannot read scenario file \(ENOENT\)/ },
  { name: 'invalid YAML', scenario: 'scenarios:\n  - name: [unclosed\n', code: 2, message: /scenario\.yaml:[1-9]\d*: invalid YAML/ },
  { name: 'empty file', scenario: '', code: 2, message: /scenario\.yaml:1: the file is empty; expected a mapping with a "scenarios:" list/ },
  { name: 'no scenarios', scenario: 'scenarios: []\n', code: 2, message: /scenario\.yaml:1: scenarios: .*>=1/ },
  // YAML shapes the parser accepts but a scenario must not have (issue 17 item 12)
  { name: 'duplicate keys', scenario: replaced('threshold_ng_ml: 3.3', 'threshold_ng_ml: 3.3\n    threshold_ng_ml: 4'), code: 2, message: /scenario\.yaml:(\d+): duplicate key "threshold_ng_ml": each key may appear once/ },
  { name: 'two YAML documents', scenario: `${stringify(base())}---\n${stringify(base())}`, code: 2, message: /scenario\.yaml:\d+: a second YAML document starts here; expected one document/ },
  {
    name: 'YAML alias bomb',
    scenario: `${['a: &a [x, x, x, x, x, x, x, x, x, x]', ...['b', 'c', 'd', 'e'].map((k, i) => `${k}: &${k} [${Array(10).fill(`*${'abcd'[i]}`).join(', ')}]`)].join('\n')}\n${stringify(base())}`,
    code: 2, message: /scenario\.yaml:2: YAML aliases expand to more than 100 copies/,
  },
  {
    name: 'UTF-16 scenario file',
    setup: async (d, s) => { await writeFile(s, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(stringify(base()), 'utf16le')])); },
    code: 2, message: /scenario\.yaml:1: the scenario file is UTF-16LE text \(byte-order mark\); expected UTF-8: convert it to UTF-8 \(e\.g\. iconv -f UTF-16LE -t UTF-8\)/,
  },
  { name: 'unknown top-level field', scenario: replaced('scenarios:', 'runs: 3\nscenarios:'), code: 2, message: /scenario\.yaml:1: runs: unknown field "runs"/ },
  { name: 'unknown scenario field', scenario: replaced('threshold_ng_ml: 3.3', 'threshold_ng_ml: 3.3\n    treshold: 3'), code: 2, message: /scenario\.yaml:\d+: scenarios\[0\]\.treshold: unknown field "treshold"/ },
  { name: 'unknown population field', scenario: mutate((s) => { (s['population'] as Obj)['bmi'] = 3; }), code: 2, message: /scenarios\[0\]\.population\.bmi: unknown field "bmi"/ },
  { name: 'missing threshold', scenario: mutate((s) => { delete s['threshold_ng_ml']; }), code: 2, message: /scenarios\[0\]\.threshold_ng_ml: .*(expected number|required)/i },
  { name: 'threshold not a number', scenario: mutate((s) => { s['threshold_ng_ml'] = 'high'; }), code: 2, message: /scenarios\[0\]\.threshold_ng_ml: .*expected number/i },
  { name: 'negative threshold', scenario: mutate((s) => { s['threshold_ng_ml'] = -1; }), code: 2, message: /scenarios\[0\]\.threshold_ng_ml: .*>0/ },
  { name: 'dose step zero', scenario: replaced('step: 0.5', 'step: 0'), code: 2, message: /scenarios\[0\]\.regimens\[0\]\.doses_mg\.step: must be > 0/ },
  { name: 'dose step negative', scenario: replaced('step: 5', 'step: -5'), code: 2, message: /scenarios\[0\]\.regimens\[1\]\.doses_mg\.step: must be > 0/ },
  { name: 'grid start > stop', scenario: replaced('start: 5', 'start: 50'), code: 2, message: /scenarios\[0\]\.regimens\[1\]\.doses_mg\.start: start \(50\) must be <= stop \(10\)/ },
  { name: 'huge grid beyond the limit', scenario: replaced('step: 0.5', 'step: 0.00001'), code: 2, message: /scenarios\[0\]\.regimens\[0\]\.doses_mg: grid has 150001 doses; the limit is 10000/ },
  { name: 'trajectories per regimen beyond the limit', scenario: mutate((s) => { s['replicates'] = 100_000; s['subjects'] = 10_000_000; }), code: 2, message: /scenarios\[0\]\.regimens\[0\]: doses x replicates x subjects = \d+ trajectories exceeds the limit 100000000000/ },
  { name: 'target above 1', scenario: mutate((s) => { s['targets'] = [0.9, 1.2]; }), code: 2, message: /scenarios\[0\]\.targets\[1\]: .*<1/ },
  { name: 'target zero', scenario: mutate((s) => { s['targets'] = [0]; }), code: 2, message: /scenarios\[0\]\.targets\[0\]: .*>0/ },
  { name: 'no targets', scenario: mutate((s) => { s['targets'] = []; }), code: 2, message: /scenarios\[0\]\.targets: .*>=1/ },
  { name: 'zero subjects', scenario: mutate((s) => { s['subjects'] = 0; }), code: 2, message: /scenarios\[0\]\.subjects: .*>0/ },
  { name: 'fractional subjects', scenario: mutate((s) => { s['subjects'] = 10.5; }), code: 2, message: /scenarios\[0\]\.subjects: .*(int|integer)/i },
  { name: 'zero replicates', scenario: mutate((s) => { s['replicates'] = 0; }), code: 2, message: /scenarios\[0\]\.replicates: .*>0/ },
  { name: 'too many subjects', scenario: mutate((s) => { s['subjects'] = 1e9; }), code: 2, message: /scenarios\[0\]\.subjects: .*<=10000000/ },
  { name: 'negative seed', scenario: mutate((s) => { s['seed'] = -1; }), code: 2, message: /scenarios\[0\]\.seed: .*>=0/ },
  { name: 'seed beyond 32 bits', scenario: mutate((s) => { s['seed'] = 2 ** 32; }), code: 2, message: /scenarios\[0\]\.seed: .*<=4294967295/ },
  { name: 'BW min > max', scenario: mutate((s) => { (s['population'] as Obj)['bw'] = { uniform: { min_kg: 100, max_kg: 50 } }; }), code: 2, message: /scenarios\[0\]\.population\.bw\.uniform\.min_kg: min_kg \(100\) must be <= max_kg \(50\)/ },
  { name: 'negative body weight', scenario: mutate((s) => { (s['population'] as Obj)['bw'] = { fixed_kg: -70 }; }), code: 2, message: /scenarios\[0\]\.population\.bw\.fixed_kg: Too small: expected number to be >0/ },
  { name: 'Bernoulli p above 1', scenario: mutate((s) => { (s['population'] as Obj)['comed'] = { bernoulli: 1.5 }; }), code: 2, message: /scenarios\[0\]\.population\.comed\.bernoulli: Too big: expected number to be <=1/ },
  { name: 'COMED fixed at 2', scenario: mutate((s) => { (s['population'] as Obj)['comed'] = { fixed: 2 }; }), code: 2, message: /scenarios\[0\]\.population\.comed: .*documented forms/ },
  { name: 'clip range inverted', scenario: mutate((s) => { (s['population'] as Obj)['subjects_source'] = ESTDATA; (s['population'] as Obj)['bw'] = { resample: { sigma: 0.1, clip_kg: [120, 35] } }; }), code: 2, message: /population\.bw\.resample\.clip_kg: clip_kg lower bound \(120\) must be <= upper bound \(35\)/ },
  { name: 'resample without a trial', scenario: mutate(resample), code: 2, message: /scenarios\[0\]\.population: subjects_source \(a trial CSV\) is required/ },
  { name: 'resampled COMED without resampled BW', scenario: mutate((s) => { (s['population'] as Obj)['subjects_source'] = ESTDATA; (s['population'] as Obj)['comed'] = 'resampled'; }), code: 2, message: /scenarios\[0\]\.population\.comed: "resampled" COMED needs bw: \{ resample/ },
  { name: 'unknown band method', scenario: mutate((s) => { s['band'] = { method: 'bootstrap', level: 0.95 }; }), code: 2, message: /scenarios\[0\]\.band\.method: .*(clopper-pearson|expected one of)/i },
  { name: 'band level 1.5', scenario: mutate((s) => { s['band'] = { method: 'wilson', level: 1.5 }; }), code: 2, message: /scenarios\[0\]\.band\.level: .*<1/ },
  { name: 'duplicate scenario names', scenario: mutate((s, root) => { (root['scenarios'] as Obj[]).push({ ...s }); }), code: 2, message: /scenarios\[1\]\.name: duplicate scenario name "ka"/ },
  { name: 'duplicate regimen names', scenario: mutate((s) => { const r = s['regimens'] as Obj[]; (r[1] as Obj)['name'] = 'qd'; }), code: 2, message: /scenarios\[0\]\.regimens\[1\]\.name: duplicate regimen name "qd"/ },
  { name: 'bad scenario name', scenario: mutate((s) => { s['name'] = 'base case'; }), code: 2, message: /scenarios\[0\]\.name: letters, digits/ },
  { name: 'target repeated', scenario: mutate((s) => { s['targets'] = [0.9, 0.75, 0.9]; }), code: 2, message: /scenarios\[0\]\.targets\[2\]: 0\.9 repeats targets\[0\]; each target once/ },
  { name: 'implausible body weight', scenario: mutate((s) => { (s['population'] as Obj)['bw'] = { uniform: { min_kg: 40, max_kg: 1e308 } }; }), code: 2, message: /scenarios\[0\]\.population\.bw\.uniform\.max_kg: must be <= 1000 kg/ },
  // trial data
  { name: 'trial CSV missing', scenario: (d) => Promise.resolve(mutate((s) => { resample(s); (s['population'] as Obj)['subjects_source'] = join(d, 'none.csv'); })), code: 2, message: /none\.csv/ },
  {
    name: 'trial CSV with a non-numeric BW',
    scenario: async (d) => {
      const csv = (await readFile(ESTDATA, 'utf8')).split('\n');
      csv[3] = (csv[3] ?? '').replace(/^1,58,/, '1,heavy,');
      await writeFile(join(d, 'trial.csv'), csv.join('\n'));
      return mutate((s) => { resample(s); (s['population'] as Obj)['subjects_source'] = join(d, 'trial.csv'); });
    },
    code: 2, message: /trial\.csv:4: column BW: expected 58 \(covariate BW of ID 1 on line 2: a covariate is constant within a subject; to use each subject's first value, a spec's covariates: \{ BW: \{ column: BW, value: baseline \} \}\), found 'heavy'/,
  },
  {
    name: 'a weight-shifted population (mean_kg) from a trial CSV without a body weight column',
    scenario: async (d) => {
      const csv = (await readFile(ESTDATA, 'utf8')).replace(/^ID,BW,/, 'ID,HEIGHT,');
      await writeFile(join(d, 'trial.csv'), csv);
      return mutate((s) => { resample(s); (s['population'] as Obj)['subjects_source'] = join(d, 'trial.csv'); ((s['population'] as Obj)['bw'] as Obj)['resample'] = { mean_kg: 90 }; });
    },
    code: 2, message: /scenarios\[0\]\.population\.bw\.resample\.mean_kg: .*trial\.csv has no body-weight covariate \(BW, WT, WEIGHT, WGT, BWT, WEIGHTB, WTBL, BASEWT or a spec's weight:\) to shift; give bw uniform or fixed_kg/,
  },
  {
    name: 'UTF-16 trial CSV (no byte-order mark)',
    scenario: async (d) => {
      await writeFile(join(d, 'trial.csv'), Buffer.from(await readFile(ESTDATA, 'utf8'), 'utf16le'));
      return mutate((s) => { resample(s); (s['population'] as Obj)['subjects_source'] = join(d, 'trial.csv'); });
    },
    code: 2, message: /trial\.csv:1: the trial CSV contains NUL bytes \(byte 1\); it looks like UTF-16LE text, expected UTF-8/,
  },
  {
    name: 'latin-1 trial CSV',
    scenario: async (d) => {
      const csv = (await readFile(ESTDATA, 'utf8')).split('\n');
      await writeFile(join(d, 'trial.csv'), Buffer.concat([Buffer.from(`${csv.slice(0, 4).join('\n')}\n`), Buffer.from([0x23, 0x20, 0xb5, 0x67, 0x0a]), Buffer.from(csv.slice(4).join('\n'))]));
      return mutate((s) => { resample(s); (s['population'] as Obj)['subjects_source'] = join(d, 'trial.csv'); });
    },
    code: 2, message: /trial\.csv:5: the trial CSV is not valid UTF-8 \(byte \d+ is 0xb5\); expected UTF-8: if it is latin-1/,
  },
  // models
  { name: 'model card missing', scenario: (d) => Promise.resolve(replaced(QW, join(d, 'nowhere', 'qw.model.json'))), code: 2, message: /nowhere\/qw\.model\.json: cannot read model card \(ENOENT\)/ },
  {
    name: 'model card not JSON',
    scenario: async (d) => { await writeFile(join(d, 'qd.model.json'), '{ not json'); return replaced(QD, join(d, 'qd.model.json')); },
    code: 2, message: /qd\.model\.json: model card is not valid JSON/,
  },
  {
    name: 'model card with an unknown field',
    scenario: async (d) => {
      const card = JSON.parse(await readFile(QD, 'utf8')) as Obj;
      await writeFile(join(d, 'qd.model.json'), JSON.stringify({ ...card, colour: 'red' }));
      return replaced(QD, join(d, 'qd.model.json'));
    },
    code: 2, message: /qd\.model\.json: field colour: unknown field/,
  },
  {
    name: 'ONNX file missing',
    scenario: async (d) => { await copyFile(QD, join(d, 'qd.model.json')); return replaced(QD, join(d, 'qd.model.json')); },
    code: 2, message: /qd\.model\.json: cannot read ONNX file .*qd\.onnx named by field onnx \(ENOENT\)/,
  },
  {
    name: 'ONNX sha256 mismatch',
    scenario: async (d) => { await copyFile(join(TEST_MODEL_DIR, 'qw.onnx'), join(d, 'qd.onnx')); await copyFile(QD, join(d, 'qd.model.json')); return replaced(QD, join(d, 'qd.model.json')); },
    code: 2, message: /field sha256: card says [0-9a-f]{64} but .*qd\.onnx hashes to [0-9a-f]{64}/,
  },
  {
    name: 'corrupt ONNX bytes (card updated to match)',
    scenario: async (d) => {
      const bytes = Buffer.from('this is not an onnx model');
      await writeFile(join(d, 'qd.onnx'), bytes);
      const card = JSON.parse(await readFile(QD, 'utf8')) as Obj;
      const { createHash } = await import('node:crypto');
      await writeFile(join(d, 'qd.model.json'), JSON.stringify({ ...card, sha256: createHash('sha256').update(bytes).digest('hex') }));
      return replaced(QD, join(d, 'qd.model.json'));
    },
    code: 2, message: /qd\.model\.json: qd\.onnx is not a valid ONNX model/,
  },
  {
    name: 'ONNX inputs do not match the card',
    scenario: async (d) => {
      await copyFile(join(TEST_MODEL_DIR, 'qd.onnx'), join(d, 'qd.onnx'));
      const card = JSON.parse(await readFile(QD, 'utf8')) as { inputs: { covariates: string[] } };
      card.inputs.covariates.push('age');
      await writeFile(join(d, 'qd.model.json'), JSON.stringify(card));
      return replaced(QD, join(d, 'qd.model.json'));
    },
    code: 2, message: /no input "age", which the card declares in inputs\.covariates/,
  },
  {
    name: 'a card declaring a conc output its graph lacks',
    scenario: async (d) => {
      await copyFile(join(TEST_MODEL_DIR, 'qd.onnx'), join(d, 'qd.onnx'));
      const card = JSON.parse(await readFile(QD, 'utf8')) as { outputs: Record<string, string> };
      card.outputs['conc'] = 'conc';
      await writeFile(join(d, 'qd.model.json'), JSON.stringify(card));
      return replaced(QD, join(d, 'qd.model.json'));
    },
    code: 2, message: /the ONNX graph has no output "conc" \(card outputs\.conc\); graph outputs: \[pd\]/,
  },
  { name: 'regimen tau does not match the model', scenario: replaced('tau_h: 168', 'tau_h: 24'), code: 2, message: /scenarios\[0\]\.regimens\[1\]\.tau_h is 24 h but model .*qw\.model\.json is for regimen "QW" with tau_h 168 h/ },
  { name: '--model without REGIMEN=', scenario: stringify(base()), args: (d, s) => ['run', s, '--out', join(d, 'out'), '--model', QD], code: 2, message: /--model .*qd\.model\.json: expected REGIMEN=CARD\.model\.json/ },
  { name: '--model for an unknown regimen', scenario: stringify(base()), args: (d, s) => ['run', s, '--out', join(d, 'out'), '--model', `bid=${QD}`], code: 2, message: /--model bid=\.\.\.: .* has no regimen named "bid"/ },
  // runs that fail while computing: nothing partial is marked complete
  {
    name: 'a model producing NaN fails the run naming the tile',
    scenario: async (d) => replaced(QD, await writeNanModel(join(d, 'nan'))),
    code: 1, message: /run [0-9a-f]{16} failed: tile s0-g0-d0-4-r0-2 failed after \d attempt\(s\): .*non-finite/,
  },
  { name: 'full disk while writing shards', scenario: stringify(base()), env: { QUSOP_TEST_DISK_FULL: '1' }, code: 1, message: /failed after 3 attempt\(s\): shard write failed: \S+\.parquet: cannot write: no space left on device \(ENOSPC\)/ },
  // run directories
  {
    name: 'aggregate a directory with missing shards',
    scenario: stringify(base()),
    setup: (d, s) => plan(s, join(d, 'planned')),
    args: (d) => ['aggregate', join(d, 'planned')],
    code: 1, message: /planned: 2 of 2 tile shards are missing \(first: s0-g0-d0-4-r0-2, s0-g1-d0-2-r0-2\); nothing aggregated/,
  },
  {
    name: 'run directory belonging to another run',
    scenario: stringify(base()),
    setup: async (d) => {
      const other = join(d, 'other.yaml');
      await writeFile(other, stringify(knownAnswerScenario({ replicates: 2, subjects: 10, qdStop: 2, qwStop: 10, seed: 99 })));
      await plan(other, join(d, 'out'));
    },
    code: 2, message: /run\.json: run directory belongs to run [0-9a-f]{16}, not [0-9a-f]{16}; choose another --out/,
  },
  { name: 'aggregate a directory that is not a run', args: (d) => ['aggregate', d], code: 1, message: /no run\.json; not a qusop run directory/ },
  // worker / coordinator transport
  { name: 'worker without a token', args: () => ['worker', '--coordinator', '127.0.0.1:9'], env: { QUSOP_TOKEN: '' }, code: 2, message: /QUSOP_TOKEN \(the \S+ worker token\) is not set/ },
  { name: 'unreachable coordinator', args: () => ['worker', '--coordinator', '127.0.0.1:9', '--connect-timeout-ms', '800'], env: { QUSOP_TOKEN: 'x'.repeat(20) }, code: 4, message: /Register 127\.0\.0\.1:9: .*(ECONNREFUSED|No connection established|UNAVAILABLE)/i },
  { name: 'bad coordinator address', args: () => ['worker', '--coordinator', 'localhost'], env: { QUSOP_TOKEN: 'x'.repeat(20) }, code: 2, message: /worker option coordinator: expected HOST:PORT/ },
  { name: 'coordinator without a token', args: () => ['coordinator', '--listen', '127.0.0.1:0', '--metrics-port', '0'], env: { QUSOP_TOKEN: '' }, code: 2, message: /QUSOP_TOKEN \(the workers' token\) is not set \(or only whitespace\)/ },
  { name: 'coordinator with a short token', args: () => ['coordinator', '--listen', '127.0.0.1:0', '--metrics-port', '0'], env: { QUSOP_TOKEN: 'short' }, code: 2, message: /QUSOP_TOKEN \(the workers' token\): the token must be at least 16 characters .*value not shown/ },
  { name: 'plaintext coordinator on a non-loopback address', args: () => ['coordinator', '--listen', '0.0.0.0:0', '--metrics-port', '0'], env: { QUSOP_TOKEN: 'x'.repeat(20) }, code: 3, message: /refusing plaintext gRPC on non-loopback address 0\.0\.0\.0:0/ },
  { name: '--slice with a negative index', args: (d) => ['tiles', '--run', d, '--slice', '-1/2'], code: 2, message: /--slice "-1\/2": expected I\/N with 0 <= I < N/ },
  { name: '--nats that is not a URL', scenario: stringify(base()), args: (d, s) => ['run', s, '--out', join(d, 'out'), '--nats', 'not a url'], code: 2, message: /--nats: expected a NATS server URL like nats:\/\/host:4222 .*got "not a url": "not a url" contains whitespace/ },
  { name: '--nats with another scheme', args: (d) => ['watch', 'abc', '--nats', 'http://127.0.0.1:4222'], code: 2, message: /--nats: .*scheme http is not one of nats, tls/ },
  {
    name: 'a plan of more tiles than a coordinator can hold',
    scenario: stringify(knownAnswerScenario({ replicates: 100_000, subjects: 1000, qdStop: 20, qwStop: 100 })),
    args: (d, s) => ['plan', s, '--out', join(d, 'out'), '--tile-trajectories', '1'],
    code: 2, message: /--tile-trajectories 1: the plan would have 6000000 tiles; the limit is 1000000 .*use --tile-trajectories \d+ or more/,
  },
  // datasets in any layout and imported models (issue 16): the CLI's exit code and located message
  { name: 'data: a spec ignore: condition that is not one', setup: async (d) => { await writeFile(join(d, 'spec.yaml'), 'ignore:\n  - DVID.EQ.3\n  - CMT > \n'); }, args: (d) => ['data', ESTDATA, '--data-spec', join(d, 'spec.yaml')], code: 2, message: /spec\.yaml:3: ignore\[1\]: expected a condition COLUMN\.OP\.VALUE .*found 'CMT >'/ },
  { name: 'data: a spec ignore: on a column the file lacks', setup: async (d) => { await writeFile(join(d, 'spec.yaml'), 'ignore: [STUDY.EQ.2]\n'); }, args: (d) => ['data', ESTDATA, '--data-spec', join(d, 'spec.yaml')], code: 2, message: /spec\.yaml:1: ignore\[0\]: column STUDY: expected a column of the trial file's header \(ID,BW,COMED/ },
  { name: 'data: a spec with an unknown field', setup: async (d) => { await writeFile(join(d, 'spec.yaml'), 'columns: { id: ID }\nendpoint: {}\n'); }, args: (d) => ['data', ESTDATA, '--data-spec', join(d, 'spec.yaml')], code: 2, message: /spec\.yaml:2: unknown field "endpoint"/ },
  { name: 'data: a spec naming a column the file lacks', setup: async (d) => { await writeFile(join(d, 'spec.yaml'), 'columns: { time: TAD }\n'); }, args: (d) => ['data', ESTDATA, '--data-spec', join(d, 'spec.yaml')], code: 2, message: /EstData\.csv: header: column TAD: expected the column that .*spec\.yaml names for TIME/ },
  { name: 'data: a missing spec file', args: (d) => ['data', ESTDATA, '--data-spec', join(d, 'none.yaml')], code: 2, message: /none\.yaml: cannot read dataset spec \(ENOENT\)/ },
  {
    name: 'data: time going backwards',
    setup: async (d) => { const csv = (await readFile(ESTDATA, 'utf8')).split('\n'); csv[3] = (csv[3] ?? '').replace(/^1,58,0,0,2,/, '1,58,0,0,0.5,'); await writeFile(join(d, 'trial.csv'), csv.join('\n')); },
    args: (d) => ['data', join(d, 'trial.csv')], code: 2, message: /trial\.csv:4: column TIME: expected >= 1 h \(the time on line 3 for ID 1; time may not go backwards within a subject except at a reset, EVID 3\/4\), found 0\.5 h/,
  },
  {
    name: 'answer: log concentrations as DV (an LNDV column read as DV)',
    setup: async (d) => {
      // EstData's concentration rows (DVID 1, MDV 0) with DV = ln(DV): the columns are ID,BW,COMED,DOSE,TIME,DV,EVID,MDV,AMT,CMT,DVID
      const rows = (await readFile(ESTDATA, 'utf8')).split('\n').map((l, i) => {
        const f = l.split(',');
        if (i === 0 || f[10] !== '1' || f[7] !== '0') return l;
        f[5] = String(Math.log(Number(f[5])));
        return f.join(',');
      });
      await writeFile(join(d, 'trial.csv'), rows.join('\n'));
    },
    args: (d) => ['answer', join(d, 'trial.csv'), '--out', join(d, 'out')], code: 2, message: /trial\.csv:\d+: column DV: expected a concentration on the natural scale \(>= 0; \d+ of \d+ concentrations are negative, down to -[\d.]+ mg\/L .*map dv: in a spec to the untransformed column\), found -[\d.]+ mg\/L/,
  },
  {
    name: 'data: a malformed clock time (TIME has colons elsewhere)',
    setup: async (d) => { await writeFile(join(d, 'trial.csv'), 'ID,TIME,AMT,DV\n1,08:00,100,.\n1,9:75,.,3.1\n'); },
    args: (d) => ['data', join(d, 'trial.csv')], code: 2, message: /trial\.csv:3: column TIME: expected a clock time hh:mm \(or hh:mm:ss, minutes and seconds below 60\).*found '9:75'/,
  },
  { name: 'fit: an endpoint the spec does not name', setup: async (d) => { await writeFile(join(d, 'spec.yaml'), 'endpoints:\n  concentration: { dvid: 1 }\n'); }, args: (d) => ['fit', ESTDATA, '--data-spec', join(d, 'spec.yaml'), '--out', join(d, 'out')], code: 2, message: /EstData\.csv:2: column DVID: expected an endpoint .*spec\.yaml names \(concentration: DVID 1\); drop other endpoints' records with the spec's ignore: \(e\.g\. ignore: \[DVID\.EQ\.2\].*found DVID 2, CMT 3/ },
  { name: 'model import: OMEGA not positive definite', setup: async (d) => { await writeFile(join(d, 'model.yaml'), await badModelFile((m) => { (m.omega.matrix[1] as number[])[1] = -1; })); }, args: (d) => ['model', 'import', join(d, 'model.yaml'), '--out', join(d, 'out')], code: 2, message: /model\.yaml:\d+: omega\.matrix: OMEGA block is not positive definite/ },
  { name: 'model import: covariance of the wrong size', setup: async (d) => { await writeFile(join(d, 'model.yaml'), await badModelFile((m) => { m.covariance.matrix.pop(); })); }, args: (d) => ['model', 'import', join(d, 'model.yaml'), '--out', join(d, 'out')], code: 2, message: /model\.yaml:\d+: covariance\.matrix: expected a 20 x 20 matrix, found 19 rows of 20 columns/ },
  { name: 'unknown command', args: () => ['sweep'], code: 2, message: /Unknown argument: sweep/ },
];

/** The shipped fit as a model file, changed by `f` (a MODEL.yaml a user got wrong). */
async function badModelFile(f: (m: { omega: { matrix: number[][] }; covariance: { matrix: number[][] } }) => void): Promise<string> {
  const { modelFileText } = await import('../../models/import/write-model-file.js');
  const { parse, stringify: toYaml } = await import('yaml');
  const fit = JSON.parse(await readFile(join(ROOT, 'models', 'estdata', 'fit.json'), 'utf8')) as { fit: Parameters<typeof modelFileText>[0] };
  const m = parse(modelFileText(fit.fit, { draws: 10, seed: 1, source: {} }) ?? '') as Parameters<typeof f>[0];
  f(m);
  return toYaml(m);
}

async function plan(scenarioPath: string, out: string): Promise<void> {
  const r = await runCli(['plan', scenarioPath, '--out', out]);
  assert.equal(r.code, 0, `qusop plan failed:\n${r.stderr}`);
}

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

test(`bad-input corpus has at least 40 cases (${CASES.length})`, () => {
  assert.ok(CASES.length >= 40);
  assert.equal(new Set(CASES.map((c) => c.name)).size, CASES.length, 'case names are unique');
});

for (const c of CASES) {
  test(`bad input: ${c.name}`, async () => {
    await withTempDir(async (dir) => {
      const text = typeof c.scenario === 'function' ? await c.scenario(dir) : c.scenario;
      const scenarioPath = join(dir, 'scenario.yaml');
      if (text !== undefined) await writeFile(scenarioPath, text);
      if (c.setup !== undefined) await c.setup(dir, scenarioPath);
      const args = c.args?.(dir, scenarioPath) ?? ['run', scenarioPath, '--out', join(dir, 'out'), '--workers', '1', '--quiet'];
      const r = await runCli(args, { env: c.env ?? {}, timeoutMs: 60_000 });
      assert.match(r.stderr, c.message, `stderr:\n${r.stderr}`);
      assert.equal(r.code, c.code, `exit code; stderr:\n${r.stderr}`);
      assert.equal(await exists(join(dir, 'out', 'decisions.json')), false, 'no decisions written');
      assert.equal(await exists(join(dir, 'out', 'curves.parquet')), false, 'no curves written');
    });
  });
}
