/**
 * The added cost of a 16-threshold sweep and of a joint safety endpoint (issue 19; target <= 20 % each)
 * relative to the plain run, measured side by side in one process: the same tile of the shipped EstData
 * population model (QD and QW cards) computed by computeTile for three scenarios that differ only in
 * those fields (same seed, same subjects). Repetitions rotate plain / sweep / joint so machine noise
 * hits all alike; each ratio is the median over repetitions of (variant / plain of the same round).
 * Both wall time and the process's CPU time (user + system) are recorded: on a shared machine the CPU
 * time of this single-threaded computation is the steadier of the two.
 *
 *   node dist/bench/endpoints/cost.js [repetitions=7] [subjects=1000] [replicates=10]
 *
 * Writes bench/endpoints/results.json and results.md with the machine.
 */
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { compileScenarioFile } from '../../coordinator/scenario/compile.js';
import { silentLogger } from '../../worker/common/log.js';
import { DEFAULT_MAX_BATCH_ROWS, loadTrajectoryModel } from '../../worker/onnx/session.js';
import { computeTile, type LoadedRunner } from '../../worker/tile-compute.js';
import { machineInfo } from '../perf/machine.js';

const VARIANTS = ['plain', 'sweep16', 'joint'] as const;
type Variant = (typeof VARIANTS)[number];
const SWEEP = { start: 2.5, stop: 4.0, step: 0.1 }; // 16 thresholds, the example
const SAFETY = { endpoint: 'concentration', statistic: 'max', comparison: '<=', threshold: { value: 10, unit: 'mg/L' }, target: 0.9 };

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
};

interface RegimenResult {
  readonly regimen: string;
  readonly trajectories: number;
  readonly wall: Figures;
  readonly cpu: Figures;
}

interface Figures {
  readonly medianMs: Record<Variant, number>;
  readonly ratio: { readonly sweep16: number; readonly joint: number };
  readonly ratioRange: { readonly sweep16: readonly [number, number]; readonly joint: readonly [number, number] };
}

function figures(ms: Record<Variant, number[]>): Figures {
  const ratios = (v: 'sweep16' | 'joint'): number[] => ms[v].map((x, r) => x / (ms.plain[r] ?? NaN));
  const range = (xs: number[]): [number, number] => [Math.min(...xs), Math.max(...xs)];
  return {
    medianMs: { plain: median(ms.plain), sweep16: median(ms.sweep16), joint: median(ms.joint) },
    ratio: { sweep16: median(ratios('sweep16')), joint: median(ratios('joint')) },
    ratioRange: { sweep16: range(ratios('sweep16')), joint: range(ratios('joint')) },
  };
}

async function measureRegimen(regimen: 'qd' | 'qw', repetitions: number, subjects: number, replicates: number): Promise<RegimenResult> {
  const dir = await mkdtemp(join(tmpdir(), 'qusop-bench-endpoints-'));
  try {
    const tau = regimen === 'qd' ? 24 : 168;
    const doses = regimen === 'qd' ? { start: 1, stop: 20, step: 1 } : { start: 10, stop: 200, step: 10 };
    const base = {
      population: { bw: { uniform: { min_kg: 51, max_kg: 100 } }, comed: { bernoulli: 0.5 } }, threshold: { value: 3.3, unit: 'ng/mL' },
      targets: [0.9], replicates, subjects, seed: 5, regimens: [{ name: regimen, tau_h: tau, model: resolve('models', 'estdata', `${regimen}.model.json`), doses_mg: doses }],
    };
    const path = join(dir, 'bench.yaml');
    await writeFile(path, stringify({ scenarios: [{ name: 'plain', ...base }, { name: 'sweep16', ...base, threshold_sweep: SWEEP }, { name: 'joint', ...base, safety: SAFETY }] }));
    const compiled = await compileScenarioFile(path);
    const [model] = [...compiled.models.values()];
    if (model === undefined) throw new Error('no model');
    const runner = await loadTrajectoryModel(model.card, model.onnx, { executionProvider: 'cpu', maxBatchRows: DEFAULT_MAX_BATCH_ROWS, intraOpThreads: 1, logger: silentLogger });
    const loaded: LoadedRunner = { card: model.card, runner };
    const D = compiled.spec.scenarios[0]?.regimens[0]?.dosesMg.length ?? 0;
    const tile = (i: number) => ({ scenarioIndex: i, regimenIndex: 0, doseBegin: 0, doseEnd: D, replicateBegin: 0, replicateEnd: replicates });
    const time = async (i: number): Promise<{ wall: number; cpu: number }> => {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      await computeTile(compiled.spec, tile(i), loaded);
      const c = process.cpuUsage(c0);
      return { wall: performance.now() - t0, cpu: (c.user + c.system) / 1000 };
    };
    for (const [i] of VARIANTS.entries()) await time(i); // warm-up: sessions built, caches filled
    const wall: Record<Variant, number[]> = { plain: [], sweep16: [], joint: [] };
    const cpu: Record<Variant, number[]> = { plain: [], sweep16: [], joint: [] };
    for (let r = 0; r < repetitions; r += 1) {
      const order = VARIANTS.map((_, i) => (i + r) % VARIANTS.length); // rotate who goes first
      for (const i of order) {
        const t = await time(i);
        wall[VARIANTS[i] as Variant].push(t.wall);
        cpu[VARIANTS[i] as Variant].push(t.cpu);
      }
    }
    await runner.release();
    return { regimen, trajectories: D * replicates * subjects, wall: figures(wall), cpu: figures(cpu) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const pct = (r: number): string => `${((r - 1) * 100).toFixed(1)} %`;

async function main(): Promise<void> {
  const [repetitions = 7, subjects = 1000, replicates = 10] = process.argv.slice(2).map(Number);
  const started = new Date().toISOString();
  const machine = machineInfo();
  const results: RegimenResult[] = [];
  for (const regimen of ['qd', 'qw'] as const) results.push(await measureRegimen(regimen, repetitions, subjects, replicates));
  const out = { started, machine, repetitions, subjects, replicates, intraOpThreads: 1, results, loadAfter: machineInfo().load };
  await writeFile(resolve('bench', 'endpoints', 'results.json'), `${JSON.stringify(out, null, 2)}\n`);
  const row = (r: RegimenResult, kind: 'wall' | 'cpu'): string => {
    const f = r[kind];
    return `| ${r.regimen} | ${kind} | ${r.trajectories} | ${f.medianMs.plain.toFixed(0)} | ${f.medianMs.sweep16.toFixed(0)} | ${pct(f.ratio.sweep16)} (${pct(f.ratioRange.sweep16[0])}..${pct(f.ratioRange.sweep16[1])}) | ${f.medianMs.joint.toFixed(0)} | ${pct(f.ratio.joint)} (${pct(f.ratioRange.joint[0])}..${pct(f.ratioRange.joint[1])}) |`;
  };
  const rows = results.flatMap((r) => [row(r, 'cpu'), row(r, 'wall')]);
  const md = [
    '# Added cost of a 16-threshold sweep and of a joint safety endpoint (issue 19)', '',
    `${started}; ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}, onnxruntime-node ${machine.onnxruntimeNode}; load average ${machine.load.loadavg.join(' / ')} (after: ${out.loadAfter.loadavg.join(' / ')}).`,
    `computeTile of one tile of the EstData population model (1 intra-op thread), ${repetitions} rotated repetitions; the added cost is the median over repetitions of variant / plain of the same round (range in brackets). Target <= 20 % each.`, '',
    '| regimen | time | trajectories | plain ms | sweep (16) ms | sweep added | joint ms | joint added |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows, '',
  ].join('\n');
  await writeFile(resolve('bench', 'endpoints', 'results.md'), md);
  process.stdout.write(md);
}

await main();
