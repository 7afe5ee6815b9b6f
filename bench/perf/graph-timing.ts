/**
 * Raw graph time of library graphs, two builds side by side (e.g. before and after a graph change):
 *   node dist/bench/perf/graph-timing.js dump DIR --structures id,id [--regimen qd] [--infusion-h H]
 *     writes DIR/<id>.onnx with the graphs as the current code builds them;
 *   node dist/bench/perf/graph-timing.js compare DIR_A DIR_B [DIR_C ...] --structures id,id [--rows 4096] [--runs 30]
 *     runs each structure's graphs interleaved `runs` times in one process (one thread each) on the
 *     same random rows (the generic population, library-models.ts) and prints the fastest and median ms;
 *   node dist/bench/perf/graph-timing.js profile DIR --structures id [--rows 4096] [--runs 30]
 *     onnxruntime's node profile: the total time per op type and per name scope (the node name's prefix).
 * No reduction head, no draws: the inference alone.
 */
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { REGIMEN_GRIDS } from '../../models/export/time-grid.js';
import { withInfusion } from '../../models/export/infusion-regimen.js';
import { packTheta, thetaSize } from '../../models/structures/parameters.js';
import { structureById } from '../../models/structures/structure.js';
import { libraryArtifact, genericPopulation } from './library-models.js';
import { mulberry32 } from '../../tests/kit/prng.js';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    structures: { type: 'string', default: '' },
    regimen: { type: 'string', default: 'qd' },
    'infusion-h': { type: 'string', default: '' },
    rows: { type: 'string', default: '4096' },
    runs: { type: 'string', default: '30' },
  },
});
const ids = args.structures.split(',').filter((s) => s !== '');
const regimen = args.regimen === 'qw' ? 'qw' : 'qd';
const infusionH = args['infusion-h'] === '' ? undefined : Number(args['infusion-h']);
const B = Number(args.rows);
const runs = Number(args.runs);

/** Random feeds for B rows of a structure (the generic population's draw, z ~ N(0, 1), doses log-uniform). */
function feeds(id: string): Record<string, ort.Tensor> {
  const s = structureById(id, 'graph-timing');
  const grid = withInfusion(REGIMEN_GRIDS[regimen], s, infusionH);
  const u = mulberry32(11);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const theta = packTheta(genericPopulation(s), s);
  const [lo, hi] = grid.tauH === 24 ? [0.5, 40] : [5, 400];
  const K = s.etaNames.length;
  const t = (xs: Float32Array, dims: number[]): ort.Tensor => new ort.Tensor('float32', xs, dims);
  const P = thetaSize(s);
  const thetas = new Float32Array(B * P);
  for (let b = 0; b < B; b += 1) thetas.set(theta, b * P);
  return {
    dose: t(Float32Array.from({ length: B }, () => lo * Math.exp(Math.log(hi / lo) * u())), [B]),
    bw: t(Float32Array.from({ length: B }, () => 40 + 100 * u()), [B]),
    comed: t(Float32Array.from({ length: B }, () => (u() < 0.5 ? 1 : 0)), [B]),
    eta: t(Float32Array.from({ length: B * K }, normal), [B, K]),
    theta: t(thetas, [B, P]),
  };
}

const session = (bytes: Uint8Array, extra: ort.InferenceSession.SessionOptions = {}): Promise<ort.InferenceSession> =>
  ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, ...extra });
const median = (xs: number[]): number => { const a = [...xs].sort((p, q) => p - q); return a[Math.floor(a.length / 2)] ?? NaN; };

const mode = positionals[0];
if (mode === 'dump') {
  const dir = positionals[1] ?? '';
  await mkdir(dir, { recursive: true });
  for (const id of ids) await writeFile(join(dir, `${id}.onnx`), libraryArtifact(id, regimen, infusionH).onnx);
} else if (mode === 'compare') {
  const dirs = positionals.slice(1);
  for (const id of ids) {
    const f = feeds(id);
    const sessions = await Promise.all(dirs.map(async (d) => session(await readFile(join(d, `${id}.onnx`)))));
    const ms: number[][] = sessions.map(() => []);
    for (let r = 0; r < runs + 3; r += 1) {
      for (const [i, s] of sessions.entries()) {
        const t0 = process.hrtime.bigint();
        await s.run(f);
        if (r >= 3) ms[i]?.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }
    const line = ms.map((m, i) => `${dirs[i]}: fastest ${Math.min(...m).toFixed(2)} ms, median ${median(m).toFixed(2)} ms`);
    process.stdout.write(`${id} (${B} rows, ${runs} interleaved runs):\n  ${line.join('\n  ')}\n`);
    for (const s of sessions) await s.release();
  }
} else if (mode === 'profile') {
  const dir = positionals[1] ?? '';
  for (const id of ids) {
    const f = feeds(id);
    const prefix = join(tmpdir(), `graph-timing-${process.pid}`);
    const s = await session(await readFile(join(dir, `${id}.onnx`)), { enableProfiling: true, profileFilePrefix: prefix });
    for (let r = 0; r < runs; r += 1) await s.run(f);
    s.endProfiling();
    await s.release();
    const path = (await readdir(tmpdir())).map((n) => join(tmpdir(), n)).find((p) => p.includes(`graph-timing-${process.pid}`));
    if (path === undefined) throw new Error('no profile file written');
    const events = JSON.parse(await readFile(path, 'utf8')) as { cat: string; name: string; dur: number; args?: { op_name?: string } }[];
    await rm(path);
    const byOp = new Map<string, number>(), byScope = new Map<string, number>(), byTop = new Map<string, number>();
    let total = 0;
    for (const e of events) {
      if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
      const name = e.name.replace(/_kernel_time$/, '');
      const scope = name.split('/').slice(0, 2).join('/');
      byOp.set(e.args?.op_name ?? '?', (byOp.get(e.args?.op_name ?? '?') ?? 0) + e.dur);
      byScope.set(scope, (byScope.get(scope) ?? 0) + e.dur);
      const topScope = name.includes('/') ? name.split('/')[0] ?? '' : '(top)';
      byTop.set(topScope, (byTop.get(topScope) ?? 0) + e.dur);
      total += e.dur;
    }
    const top = (m: Map<string, number>): string => [...m].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, v]) => `  ${k}: ${(v / runs / 1000).toFixed(2)} ms (${((100 * v) / total).toFixed(0)} %)`).join('\n');
    process.stdout.write(`${id}: kernel time ${(total / runs / 1000).toFixed(2)} ms per run of ${B} rows\nby top-level scope:\n${top(byTop)}\nby op:\n${top(byOp)}\nby scope:\n${top(byScope)}\n`);
  }
} else {
  throw new Error('usage: graph-timing.js dump DIR | compare DIR_A DIR_B | profile DIR (see the file header)');
}
