/**
 * QMC study (issue 19 item 6): the variance of p-hat at a fixed budget (subjects x replicates) with
 * scrambled Sobol' population draws against Philox draws, on the known-answer TEST model and on the
 * shipped EstData model at doses around its 90 % crossings. Each case runs the in-process engine (the
 * worker's own draws, ONNX graphs and reduction head) once per sampler with the same seed, R and M.
 *
 * Reported per dose: the variance of the per-replicate p-hat for each sampler and their ratio
 * sobol/philox with a 95 % interval from F(R - 1, R - 1) (the ratio of two independent sample
 * variances of near-normal p-hats, divided by the F quantiles). At the same R and M the pooled p-hat's
 * variance is the per-replicate one over R, so the ratio is also the pooled estimator's.
 *
 * EstData twice: as shipped (replicate r uses parameter draw r, so the spread between replicates is
 * mostly estimation uncertainty, which no sampler can reduce) and with the parameters fixed at the
 * estimate (card copy with draw 0 only: the sampling variance alone).
 *
 * Usage: node dist/bench/qmc/variance.js [R]   (default R = 200; writes bench/qmc/results.{json,md})
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import betaQuantile from '@stdlib/stats-base-dists-beta-quantile';
import { stringify } from 'yaml';
import { runInProcess } from '../../coordinator/local/in-process.js';
import { machineInfo } from '../perf/machine.js';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const OUT = join(ROOT, 'bench', 'qmc');

interface Case {
  readonly name: string;
  readonly model: 'test' | 'estdata' | 'estdata-fixed';
  readonly subjects: number;
  readonly population: Record<string, unknown>;
  readonly qd: { start: number; stop: number; step: number };
  readonly qw: { start: number; stop: number; step: number };
}

interface Row {
  readonly case: string;
  readonly regimen: string;
  readonly doseMg: number;
  readonly replicates: number;
  readonly subjects: number;
  readonly meanPhilox: number;
  readonly meanSobol: number;
  readonly varPhilox: number;
  readonly varSobol: number;
  readonly ratio: number;
  readonly ratioLo: number;
  readonly ratioHi: number;
}

function fQuantile(p: number, d1: number, d2: number): number {
  const x = betaQuantile(p, d1 / 2, d2 / 2);
  return (d2 * x) / (d1 * (1 - x));
}

function meanVar(xs: readonly number[]): { mean: number; variance: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean, variance: xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1) };
}

/** A copy of an EstData card whose only parameter draw is row 0 (the point estimate). */
async function fixedParameterCard(dir: string, regimen: 'qd' | 'qw'): Promise<string> {
  const src = join(ROOT, 'models', 'estdata');
  await copyFile(join(src, `${regimen}.onnx`), join(dir, `${regimen}.onnx`));
  const card = JSON.parse(await readFile(join(src, `${regimen}.model.json`), 'utf8')) as { inputs: { theta: { draws: number[][] } } };
  card.inputs.theta.draws = card.inputs.theta.draws.slice(0, 1);
  const path = join(dir, `${regimen}.model.json`);
  await writeFile(path, JSON.stringify(card));
  return path;
}

async function cardPaths(dir: string, model: Case['model']): Promise<{ qd: string; qw: string }> {
  if (model === 'test') return { qd: join(ROOT, 'models', 'testmodel', 'artifacts', 'qd.model.json'), qw: join(ROOT, 'models', 'testmodel', 'artifacts', 'qw.model.json') };
  if (model === 'estdata') return { qd: join(ROOT, 'models', 'estdata', 'qd.model.json'), qw: join(ROOT, 'models', 'estdata', 'qw.model.json') };
  return { qd: await fixedParameterCard(dir, 'qd'), qw: await fixedParameterCard(dir, 'qw') };
}

async function perReplicate(dir: string, c: Case, sampler: 'philox' | 'sobol', replicates: number): Promise<Map<string, number[]>> {
  const cards = await cardPaths(dir, c.model);
  const scenario = {
    scenarios: [{
      name: `qmc-${c.name}`,
      population: { ...c.population, sampler },
      threshold_ng_ml: 3.3,
      targets: [0.9],
      replicates,
      subjects: c.subjects,
      seed: 20261206,
      regimens: [
        { name: 'qd', tau_h: 24, model: cards.qd, doses_mg: c.qd },
        { name: 'qw', tau_h: 168, model: cards.qw, doses_mg: c.qw },
      ],
    }],
  };
  const path = join(dir, `${c.name}-${sampler}.yaml`);
  await writeFile(path, stringify(scenario));
  const { rows } = await runInProcess(path, { threads: 1 });
  const out = new Map<string, number[]>();
  for (const r of rows) {
    const k = `${r.regimen}|${r.dose_mg}`;
    out.set(k, [...(out.get(k) ?? []), r.k / r.n]);
  }
  return out;
}

async function study(c: Case, replicates: number): Promise<Row[]> {
  const dir = await mkdtemp(join(tmpdir(), 'qusop-qmc-'));
  try {
    const philox = await perReplicate(dir, c, 'philox', replicates);
    const sobol = await perReplicate(dir, c, 'sobol', replicates);
    const hi = fQuantile(0.975, replicates - 1, replicates - 1);
    const lo = fQuantile(0.025, replicates - 1, replicates - 1);
    return [...philox.keys()].map((k) => {
      const [regimen = '', dose = ''] = k.split('|');
      const f = meanVar(philox.get(k) ?? []);
      const s = meanVar(sobol.get(k) ?? []);
      const ratio = s.variance / f.variance;
      return {
        case: c.name, regimen, doseMg: Number(dose), replicates, subjects: c.subjects,
        meanPhilox: f.mean, meanSobol: s.mean, varPhilox: f.variance, varSobol: s.variance,
        ratio, ratioLo: ratio / hi, ratioHi: ratio / lo,
      };
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const testPopulation = { bw: { uniform: { min_kg: 51, max_kg: 100 } }, comed: { bernoulli: 0.5 } };
const estdataPopulation = { subjects_source: join(ROOT, 'data', 'EstData.csv'), bw: { resample: { sigma: 0.1, clip_kg: [35, 120] } }, comed: 'observed' };
/**
 * The test model's exact 90 % doses are 12.5 mg QD and 145 mg QW; EstData's base population has its
 * 90 % mean crossings at 6 mg QD and 55 mg QW (`npm start`; its answers, 7.5 and 75 mg, are the
 * replicate-band doses, where the mean p-hat is ~0.96); the grid spans both.
 */
const testGrid = { qd: { start: 11.5, stop: 13.5, step: 0.5 }, qw: { start: 135, stop: 155, step: 5 } };
const estGrid = { qd: { start: 4, stop: 8, step: 1 }, qw: { start: 35, stop: 75, step: 10 } };

const CASES: Case[] = [
  { name: 'test-M256', model: 'test', subjects: 256, population: testPopulation, ...testGrid },
  { name: 'test-M500', model: 'test', subjects: 500, population: testPopulation, ...testGrid },
  { name: 'test-M512', model: 'test', subjects: 512, population: testPopulation, ...testGrid },
  { name: 'estdata-fixed-M256', model: 'estdata-fixed', subjects: 256, population: estdataPopulation, ...estGrid },
  { name: 'estdata-fixed-M500', model: 'estdata-fixed', subjects: 500, population: estdataPopulation, ...estGrid },
  { name: 'estdata-shipped-M256', model: 'estdata', subjects: 256, population: estdataPopulation, ...estGrid },
];

const g3 = (x: number): string => x.toPrecision(3);

function table(rows: readonly Row[]): string {
  const lines = ['| case | regimen | dose mg | R x M | mean p-hat philox / sobol | var philox | var sobol | ratio sobol/philox [95 % CI] |', '|---|---|---|---|---|---|---|---|'];
  for (const r of rows) {
    lines.push(`| ${r.case} | ${r.regimen} | ${r.doseMg} | ${r.replicates} x ${r.subjects} | ${r.meanPhilox.toFixed(4)} / ${r.meanSobol.toFixed(4)} | ${r.varPhilox.toExponential(2)} | ${r.varSobol.toExponential(2)} | ${g3(r.ratio)} [${g3(r.ratioLo)}, ${g3(r.ratioHi)}] |`);
  }
  return lines.join('\n');
}

function summary(rows: readonly Row[]): string {
  const lines = ['| case | R x M | doses | median ratio sobol/philox | range over doses |', '|---|---|---|---|---|'];
  for (const name of [...new Set(rows.map((r) => r.case))]) {
    const rs = rows.filter((r) => r.case === name);
    const ratios = rs.map((r) => r.ratio).sort((a, b) => a - b);
    const mid = ratios.length % 2 === 1 ? ratios[(ratios.length - 1) / 2]! : (ratios[ratios.length / 2 - 1]! + ratios[ratios.length / 2]!) / 2;
    lines.push(`| ${name} | ${rs[0]?.replicates} x ${rs[0]?.subjects} | ${rs.length} | ${g3(mid)} | ${g3(ratios[0]!)} - ${g3(ratios.at(-1)!)} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const replicates = Number(process.argv[2] ?? 200);
  const started = Date.now();
  const rows: Row[] = [];
  for (const c of CASES) {
    process.stderr.write(`qmc: ${c.name} ...\n`);
    rows.push(...(await study(c, replicates)));
  }
  const machine = machineInfo();
  const wallS = (Date.now() - started) / 1000;
  await writeFile(join(OUT, 'results.json'), JSON.stringify({ machine, replicates, wallS, rows }, null, 2) + '\n');
  const md = [
    '# QMC: variance of p-hat, scrambled Sobol\' vs Philox draws (generated by `node dist/bench/qmc/variance.js`)',
    '',
    `Machine: ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}, onnxruntime-node ${machine.onnxruntimeNode}; load ${machine.load.loadavg.join(' / ')}; ${wallS.toFixed(0)} s in all (timings are not the point here). Same seed, R and M for both samplers; 95 % CI of each ratio from F(R - 1, R - 1). Doses share random numbers, so rows of one case are correlated: read the median, not a product of rows. What the figures mean: \`bench/qmc/README.md\`.`,
    '',
    '## Median ratio over the doses of each case',
    '',
    summary(rows),
    '',
    '## Every dose',
    '',
    table(rows),
    '',
  ].join('\n');
  await writeFile(join(OUT, 'results.md'), md);
  process.stdout.write(`${md}\n`);
}

await main();
