/**
 * The PyTorch peer of the BiLSTM benchmark (issue 7, part 1e), as the benchmark harness calls it.
 * The peer must be the same network as the shipped ONNX model, so its weights and feature scalings are
 * read out of the ONNX file itself (models/sequence/onnx-export.ts writes them) and handed to
 * bench/peer/bilstm_peer.py as JSON; torch runs on Debian's OpenBLAS unpacked by bench/peer/openblas.sh
 * (the reference BLAS python3-torch links by default would make the comparison dishonest), and a peer
 * that did not actually load OpenBLAS is refused rather than reported.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TensorProto } from 'onnx-buf';
import { z } from 'zod';
import { QusopError, ModelError } from '../../worker/common/errors.js';
import { packageRoot } from '../../worker/common/version.js';
import { DataType, decodeModel } from '../../worker/onnx/graph-builder.js';

/** Debian's interpreter: the one python3-torch installs into (a pyenv `python3` on PATH has no torch). */
export const PEER_PYTHON = '/usr/bin/python3';
export const PEER_DEBIAN_PACKAGE = 'python3-torch';

/** The peer could not run or returned something unusable. */
export class PeerError extends QusopError {
  readonly code = 'PEER';
}

export interface Scaling {
  readonly mean: number;
  readonly sd: number;
}

/** Everything the ONNX BiLSTM graph computes with, in ONNX layout (gates i, o, f, c). */
export interface PeerWeights {
  readonly hidden: number;
  readonly dense: number;
  readonly inputs: number;
  /** T, the grid length */
  readonly steps: number;
  readonly lstmW: Float32Array; // [2, 4H, I]
  readonly lstmR: Float32Array; // [2, 4H, H]
  readonly lstmB: Float32Array; // [2, 8H]: per direction [Wb, Rb]
  readonly dense1Kernel: Float32Array; // [2, H, D]
  readonly dense1Bias: Float32Array; // [D]
  readonly dense2Kernel: Float32Array; // [D, 1]
  readonly dense2Bias: Float32Array; // [1]
  /** z-scored t/tau per grid step [T] */
  readonly tFeature: Float32Array;
  readonly dosePerKg: Scaling;
  readonly comed: Scaling;
  readonly pd: Scaling;
}

function floatValues(t: TensorProto): Float32Array {
  if (t.dataType !== DataType.FLOAT) throw new ModelError(`BiLSTM ONNX: initializer ${t.name} is not float32 (data type ${t.dataType})`);
  if (t.rawData.byteLength > 0) {
    const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
    return Float32Array.from({ length: t.rawData.byteLength / 4 }, (_, i) => view.getFloat32(4 * i, true));
  }
  return Float32Array.from(t.floatData);
}

/** Reads the peer's weights out of a BiLSTM model built by models/sequence/onnx-export.ts. */
export function extractBiLstmWeights(onnxBytes: Uint8Array): PeerWeights {
  const inits = new Map((decodeModel(onnxBytes).graph?.initializer ?? []).map((t) => [t.name, t]));
  const get = (name: string, rank?: number): { dims: number[]; values: Float32Array } => {
    const t = inits.get(name);
    if (t === undefined) throw new ModelError(`BiLSTM ONNX: no initializer "${name}" (is this a models/sequence BiLSTM export?)`);
    const dims = t.dims.map(Number);
    if (rank !== undefined && dims.length !== rank) throw new ModelError(`BiLSTM ONNX: initializer ${name} has dims [${dims.join(', ')}], expected rank ${rank}`);
    const values = floatValues(t);
    if (values.length !== dims.reduce((a, b) => a * b, 1)) throw new ModelError(`BiLSTM ONNX: initializer ${name} holds ${values.length} values for dims [${dims.join(', ')}]`);
    return { dims, values };
  };
  const scalar = (name: string): number => {
    const { values } = get(name, 0);
    return values[0]!;
  };
  const W = get('lstm_W', 3);
  const [dirs, fourH, inputs] = W.dims as [number, number, number];
  const hidden = fourH / 4;
  const R = get('lstm_R', 3);
  const B = get('lstm_B', 2);
  const k1 = get('dense1_kernel', 3);
  const dense = k1.dims[2]!;
  const t = get('t_feature', 3);
  const expect = (name: string, got: number[], want: number[]) => {
    if (got.join() !== want.join()) throw new ModelError(`BiLSTM ONNX: ${name} has dims [${got.join(', ')}], expected [${want.join(', ')}]`);
  };
  if (dirs !== 2) throw new ModelError(`BiLSTM ONNX: lstm_W has ${dirs} directions, expected 2 (bidirectional)`);
  expect('lstm_R', R.dims, [2, 4 * hidden, hidden]);
  expect('lstm_B', B.dims, [2, 8 * hidden]);
  expect('dense1_kernel', k1.dims, [2, hidden, dense]);
  expect('t_feature', t.dims, [t.dims[0]!, 1, 1]);
  const k2 = get('dense2_kernel');
  expect('dense2_kernel', k2.dims, [dense, 1]);
  return {
    hidden,
    dense,
    inputs,
    steps: t.dims[0]!,
    lstmW: W.values,
    lstmR: R.values,
    lstmB: B.values,
    dense1Kernel: k1.values,
    dense1Bias: get('dense1_bias').values,
    dense2Kernel: k2.values,
    dense2Bias: get('dense2_bias').values,
    tFeature: t.values,
    dosePerKg: { mean: scalar('dose_per_kg_mean'), sd: scalar('dose_per_kg_sd') },
    comed: { mean: scalar('comed_mean'), sd: scalar('comed_sd') },
    pd: { mean: scalar('pd_mean'), sd: scalar('pd_sd') },
  };
}

const RunSchema = z.object({
  T: z.number().int(),
  batch: z.number().int(),
  threads: z.number().int(),
  blasThreads: z.number().int(),
  processes: z.number().int(),
  trajPerS: z.number(),
  medianMs: z.number(),
  /** the fastest timed run: with 1 process, batch / minMs is the least-disturbed rate on a shared machine */
  minMs: z.number(),
  /** median CPU seconds (ms) per batch of one process, all its threads; insensitive to time spent descheduled */
  cpuMs: z.number(),
  reps: z.number().int(),
});
const ResultSchema = z.object({
  torch: z.string(),
  /** the peer's set-up (PeerSetup); added by runTorchPeer, not by the script */
  setup: z.enum(['as-specified', 'tuned']).default('as-specified'),
  /** the environment runTorchPeer gave the script beyond OpenBLAS's folder (tuned set-up only) */
  tuningEnv: z.record(z.string(), z.string()).default({}),
  numThreads: z.number().int(),
  blas: z.string(),
  check: z.object({ pd: z.array(z.array(z.number())), k: z.number().int(), sumMax: z.number() }),
  runs: z.array(RunSchema),
});
export type PeerRun = z.infer<typeof RunSchema>;
export type PeerResult = z.infer<typeof ResultSchema>;

/**
 * How the peer is set up. `as-specified`: OpenBLAS and thread settings as ENVIRONMENT.md says and nothing
 * else. `tuned`: also what a performance-minded PyTorch user would set on this CPU (bench/peer/README.md):
 * glibc malloc keeps freed memory instead of returning large blocks to the kernel (torch's per-batch
 * temporaries are otherwise mmap'ed and page-faulted afresh on most batches: a bimodal 11 / 16 ms per
 * batch of 250 at T=24), and OpenBLAS uses its AVX-512 kernels where the CPU has them (its dynamic
 * dispatch picks the AVX2 "Haswell" kernels on this AMD Zen 5).
 */
export type PeerSetup = 'as-specified' | 'tuned';

/** glibc malloc tunables: never trim the heap, never mmap an allocation (values past any block size). */
export const TUNED_MALLOC_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '4294967295', MALLOC_TRIM_THRESHOLD_: '4294967295' };

/** The tuned set-up's environment on this machine: malloc, and OpenBLAS's AVX-512 kernels when the CPU has AVX-512F. */
export function tunedPeerEnv(cpuinfo: string = readCpuinfo()): Record<string, string> {
  const flags = /^flags\s*:(.*)$/m.exec(cpuinfo)?.[1]?.split(/\s+/) ?? [];
  return { ...TUNED_MALLOC_ENV, ...(flags.includes('avx512f') ? { OPENBLAS_CORETYPE: 'SKYLAKEX' } : {}) };
}

function readCpuinfo(): string {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return '';
  }
}

export interface PeerOptions {
  readonly onnxPath: string;
  /** default 'as-specified' */
  readonly setup?: PeerSetup;
  readonly thresholdNgMl: number;
  /** batch sizes to time ([] times nothing: a correctness check only) */
  readonly batches: readonly number[];
  /** torch.set_num_threads values */
  readonly threads: readonly number[];
  /** concurrent processes (default [1]); with 2+ processes, threads x processes beyond the core count are skipped */
  readonly processes?: readonly number[];
  /** OpenBLAS threads inside torch's GEMMs (default [1], as ENVIRONMENT.md says) */
  readonly blasThreads?: readonly number[];
  /** timed seconds per configuration, at least 3 runs (default 1) */
  readonly minSeconds?: number;
  readonly check: { readonly dose: readonly number[]; readonly bw: readonly number[]; readonly comed: readonly number[] };
}

let available: boolean | undefined;
/** Whether Debian's python3 can import torch (cached). */
export function peerAvailable(): boolean {
  available ??= spawnSync(PEER_PYTHON, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0;
  return available;
}

interface Exit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runProcess(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
  });
}

let openblasDir: Promise<string> | undefined;
/** The folder with Debian's OpenBLAS, unpacked once per process by bench/peer/openblas.sh. */
function openblas(): Promise<string> {
  openblasDir ??= runProcess('bash', [join(packageRoot(), 'bench', 'peer', 'openblas.sh')], process.env).then((r) => {
    const dir = r.stdout.trim();
    if (r.code !== 0 || dir === '') throw new PeerError(`bench/peer/openblas.sh failed (exit ${r.code}): ${r.stderr.trim()}`);
    return dir;
  });
  return openblasDir;
}

/** Runs the peer on the network inside opts.onnxPath: the check batch, then every timing configuration. */
export async function runTorchPeer(opts: PeerOptions): Promise<PeerResult> {
  if (!peerAvailable()) {
    throw new PeerError(`${PEER_PYTHON} cannot import torch and numpy: install the Debian package ${PEER_DEBIAN_PACKAGE} (apt-get install ${PEER_DEBIAN_PACKAGE})`);
  }
  const { dose, bw, comed } = opts.check;
  if (bw.length !== dose.length || comed.length !== dose.length) {
    throw new PeerError(`runTorchPeer: check.dose/bw/comed have lengths ${dose.length}/${bw.length}/${comed.length}, expected equal`);
  }
  const w = extractBiLstmWeights(await readFile(opts.onnxPath));
  const spec = {
    ...Object.fromEntries(Object.entries(w).map(([k, v]) => [k, v instanceof Float32Array ? Array.from(v) : v])),
    thresholdNgMl: opts.thresholdNgMl,
    batches: opts.batches,
    threads: opts.threads,
    processes: opts.processes ?? [1],
    blasThreads: opts.blasThreads ?? [1],
    minSeconds: opts.minSeconds ?? 1,
    check: opts.check,
  };
  const blasDir = await openblas();
  const dir = await mkdtemp(join(tmpdir(), 'qusop-peer-'));
  try {
    const specPath = join(dir, 'spec.json');
    await writeFile(specPath, JSON.stringify(spec));
    const ld = process.env['LD_LIBRARY_PATH'];
    const setup = opts.setup ?? 'as-specified';
    const tuningEnv = setup === 'tuned' ? tunedPeerEnv() : {};
    const env = { ...process.env, ...tuningEnv, LD_LIBRARY_PATH: ld ? `${blasDir}:${ld}` : blasDir, OPENBLAS_NUM_THREADS: '1' };
    const r = await runProcess(PEER_PYTHON, [join(packageRoot(), 'bench', 'peer', 'bilstm_peer.py'), specPath], env);
    if (r.code !== 0) throw new PeerError(`bench/peer/bilstm_peer.py on ${opts.onnxPath} failed (exit ${r.code}): ${r.stderr.trim()}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(r.stdout);
    } catch (cause) {
      throw new PeerError(`bench/peer/bilstm_peer.py printed no JSON object: ${r.stdout.slice(0, 200)}`, { cause });
    }
    const result = ResultSchema.parse({ ...(parsed as object), setup, tuningEnv });
    if (!result.blas.startsWith('OpenBLAS')) {
      throw new PeerError(`the torch peer did not load OpenBLAS from ${blasDir} (blas: ${result.blas}); its timings would not be a fair peer`);
    }
    if (result.check.pd.length !== dose.length || result.check.pd.some((row) => row.length !== w.steps)) {
      throw new PeerError(`the torch peer's check pd is not [${dose.length}, ${w.steps}]`);
    }
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
