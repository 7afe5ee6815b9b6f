/**
 * Issue 18's throughput target for the structure library: every library graph >= 1 M trajectories/s
 * end to end at T ~ 20 on 2 cores. Each structure's graph on the QD grid (library-models.ts; T = 19, IV
 * structures 20) runs through the worker's own tile computation (Philox draws, input assembly,
 * inference, reduction head) in 2 processes x 1 thread at once, as a 2-worker node does; the rate is
 * their sum (children.ts machineThroughput), each process's rate the median of repeated tiles. The
 * shipped EstData graph (popmodel-qd) runs first in the same run, as the reference.
 *   node dist/bench/perf/library-throughput.js [--structures id,id] [--regimens qd,qw] [--infusion-h H] [--min-seconds 3] [--doses 80 --replicates 5] [--name N] [--out DIR]
 * --infusion-h: the IV structures' doses are infusions of H hours (infusion-regimen.ts; the others are unchanged).
 * Writes library-throughput.json and .md (default: bench/perf/ in the source tree).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { STRUCTURES } from '../../models/structures/structure.js';
import { DEFAULT_MAX_BATCH_ROWS } from '../../worker/onnx/session.js';
import { machineThroughput, type MachineThroughput } from './children.js';
import { machineInfo } from './machine.js';
import { REPO_ROOT, type BenchModelId, type LibraryModelId } from './models.js';
import type { ThroughputConfig } from './throughput.js';

const TARGET = 1_000_000;

const { values: args } = parseArgs({
  options: {
    structures: { type: 'string', default: STRUCTURES.map((s) => s.id).join(',') },
    regimens: { type: 'string', default: 'qd' },
    /** IV structures on an infusion regimen of this many hours (infusion-regimen.ts) */
    'infusion-h': { type: 'string', default: '' },
    'min-seconds': { type: 'string', default: '3' },
    /** tile size: doses x replicates x 500 subjects (smaller for the slow graphs, e.g. Michaelis-Menten) */
    doses: { type: 'string', default: '80' },
    replicates: { type: 'string', default: '5' },
    /** results file base name */
    name: { type: 'string', default: 'library-throughput' },
    out: { type: 'string', default: join(REPO_ROOT, 'bench', 'perf') },
  },
});

const config = (model: BenchModelId | LibraryModelId): ThroughputConfig => ({
  model, provider: 'cpu', threads: 1, maxBatchRows: DEFAULT_MAX_BATCH_ROWS, doses: Number(args.doses), replicates: Number(args.replicates), subjects: 500, minSeconds: Number(args['min-seconds']), modes: 'e2e',
});

interface Row { readonly model: string; readonly T: number; readonly trajPerS: number; readonly perProcess: readonly number[] }
const row = (model: string, m: MachineThroughput): Row => ({ model, T: m.perProcess[0]?.T ?? NaN, trajPerS: Math.round(m.e2eTrajPerS), perProcess: m.perProcess.map((p) => Math.round(p.e2eTrajPerS)) });

const started = new Date();
const load0 = loadavg();
const rows: Row[] = [];
const infusionH = args['infusion-h'] === '' ? undefined : Number(args['infusion-h']);
if (infusionH !== undefined && !(infusionH > 0)) throw new RangeError(`--infusion-h: expected a positive number of hours, got "${args['infusion-h']}"`);
const models: (BenchModelId | LibraryModelId)[] = ['popmodel-qd', ...args.regimens.split(',').flatMap((r) => args.structures.split(',').map((id) => `library:${id}:${r === 'qw' ? 'qw' : 'qd'}${infusionH === undefined ? '' : `:${infusionH}`}` as LibraryModelId))];
for (const m of models) {
  const r = row(m.replace(/^library:/, ''), await machineThroughput(config(m), 2));
  rows.push(r);
  process.stderr.write(`${r.model}: T ${r.T}, ${(r.trajPerS / 1e6).toFixed(2)} M/s\n`);
}
const result = { machine: machineInfo(), started: started.toISOString(), finished: new Date().toISOString(), loadavg_start: load0, loadavg_end: loadavg(), target_traj_per_s: TARGET, config: config('popmodel-qd'), rows };
await writeFile(join(args.out, `${args.name}.json`), `${JSON.stringify(result, null, 2)}\n`);
const fmt = (x: number): string => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M/s` : `${Math.round(x).toLocaleString('en-US')}/s`);
const library = rows.slice(1);
const met = library.filter((r) => r.trajPerS >= TARGET).length;
const md = [
  '# Library graphs: end-to-end throughput (issue 18)',
  '',
  `Machine: ${result.machine.cores} x ${result.machine.cpuModel}, ${result.machine.memoryGiB} GiB, Node ${result.machine.node}, onnxruntime-node ${result.machine.onnxruntimeNode}; load average ${load0.map((x) => x.toFixed(2)).join(' / ')} at the start, ${result.loadavg_end.map((x) => x.toFixed(2)).join(' / ')} at the end; ${result.started.slice(0, 16)}-${result.finished.slice(11, 16)} UTC.`,
  `Recorded by \`node dist/bench/perf/library-throughput.js${args.structures === STRUCTURES.map((s) => s.id).join(',') ? '' : ` --structures ${args.structures}`}${args.regimens === 'qd' ? '' : ` --regimens ${args.regimens}`}${infusionH === undefined ? '' : ` --infusion-h ${infusionH}`}${args.doses === '80' && args.replicates === '5' ? '' : ` --doses ${args.doses} --replicates ${args.replicates}`}${args.name === 'library-throughput' ? '' : ` --name ${args.name}`}\`: each graph through the worker's tile computation (draws, inputs, inference, reduction head), 2 processes x 1 thread at once, the sum of their median rates; tiles of ${args.doses} doses x ${args.replicates} replicates x 500 subjects, batches of ${DEFAULT_MAX_BATCH_ROWS} rows. Generic population (bench/perf/library-models.ts).`,
  '',
  `**${met}/${library.length} library graphs >= 1 M trajectories/s** (target: every one).`,
  '',
  '| graph | T | trajectories/s (2 processes) | >= 1 M/s |',
  '|---|---|---|---|',
  ...rows.map((r, i) => `| ${r.model.replace(/:(qd|qw)$/, ' $1').replace(/:(qd|qw):([0-9.e+-]+)$/, ' $1, infusion $2 h')}${i === 0 ? ' (shipped EstData graph, reference)' : ''} | ${r.T} | ${fmt(r.trajPerS)} | ${r.trajPerS >= TARGET ? 'yes' : '**no**'} |`),
  '',
].join('\n');
await writeFile(join(args.out, `${args.name}.md`), md);
process.stdout.write(md);
