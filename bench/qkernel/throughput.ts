/**
 * Cost of the kernel in the sweep: trajectories per second of the shipped qkernel graph against the
 * population graph it extends (models/estdata), same inputs, onnxruntime on one intra-op thread,
 * B = 10 000 rows per call, median of 7 calls after 2 warm-ups, QD and QW. Appends nothing: prints a
 * table to paste into README.md with the machine.
 *   node dist/bench/qkernel/throughput.js
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cpus } from 'node:os';
import * as ort from 'onnxruntime-node';
import { normals, uniforms } from '../../models/sequence/seeded.js';
import { packageRoot } from '../../worker/common/version.js';

const root = packageRoot();
const B = 10_000;

async function rate(onnx: string, card: string): Promise<number> {
  const c = JSON.parse(await readFile(card, 'utf8')) as { inputs: { eta: { dim: number }; theta: { dim: number; draws: number[][] } } };
  const s = await ort.InferenceSession.create(await readFile(onnx), { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const t = (xs: ArrayLike<number>, dims: number[]): ort.Tensor => new ort.Tensor('float32', Float32Array.from(xs), dims);
  const K = c.inputs.eta.dim;
  const P = c.inputs.theta.dim;
  const feeds = {
    dose: t(uniforms(1, 1, 0, B, 1, 20), [B]),
    bw: t(uniforms(1, 2, 0, B, 40, 140), [B]),
    comed: t(Array.from(uniforms(1, 3, 0, B), (u) => (u < 0.5 ? 1 : 0)), [B]),
    eta: t(normals(1, 4, 0, B * K), [B, K]),
    theta: t(Array.from({ length: B }, (_, b) => c.inputs.theta.draws[b % c.inputs.theta.draws.length]!).flat(), [B, P]),
  };
  const times: number[] = [];
  for (let i = 0; i < 9; i++) {
    const t0 = performance.now();
    await s.run(feeds);
    if (i >= 2) times.push(performance.now() - t0);
  }
  await s.release();
  times.sort((a, b) => a - b);
  return B / (times[3]! / 1000);
}

const rows: string[] = [];
for (const tag of ['qd', 'qw']) {
  const base = await rate(join(root, 'models', 'estdata', `${tag}.onnx`), join(root, 'models', 'estdata', `${tag}.model.json`));
  const kernel = await rate(join(root, 'models', 'qkernel-estdata', `qkernel-${tag}.onnx`), join(root, 'models', 'qkernel-estdata', `qkernel-${tag}.model.json`));
  rows.push(`| ${tag.toUpperCase()} | ${(base / 1e6).toFixed(2)} M/s | ${(kernel / 1e6).toFixed(2)} M/s | ${(kernel / base).toFixed(2)} |`);
}
process.stdout.write([`machine: dev VM, 2 cores shared, ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.versions.node}`, '', '| regimen | population graph | qkernel graph | ratio |', '|---|---|---|---|', ...rows, ''].join('\n'));
