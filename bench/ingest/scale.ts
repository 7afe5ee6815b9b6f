/**
 * Ingestion at scale (issue 16): a synthetic trial of N subjects (default 10^5, ~25 records each:
 * ~2.5 M records, EstData's columns) is written once, then read by `ingest-child.js` in a fresh
 * process R times (default 3). Records the median time and peak RSS with the machine in
 * bench/ingest/results.{json,md}.
 *
 *   node dist/bench/ingest/scale.js [SUBJECTS] [REPEATS]
 */
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { median } from 'd3-array';
import { machineInfo } from '../perf/machine.js';

const subjects = Number(process.argv[2] ?? 100_000);
const repeats = Number(process.argv[3] ?? 3);
const here = dirname(fileURLToPath(import.meta.url));
const SAMPLE_TIMES = [0.5, 1, 2, 4, 8, 12, 24];

/** Deterministic, cheap: a linear congruential stream is enough for file contents. */
function* lcg(seed: number): Generator<number> {
  let x = seed >>> 0;
  for (;;) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    yield x / 2 ** 32;
  }
}

async function writeTrial(path: string): Promise<number> {
  const out = createWriteStream(path);
  const u = lcg(20261206);
  const next = () => u.next().value as number;
  let records = 0;
  const write = (line: string) => (out.write(line) ? Promise.resolve() : new Promise<void>((ok) => out.once('drain', () => ok())));
  await write('ID,BW,COMED,DOSE,TIME,DV,EVID,MDV,AMT,CMT,DVID\n');
  for (let id = 1; id <= subjects; id += 1) {
    const bw = (50 + 50 * next()).toFixed(1);
    const comed = next() < 0.5 ? 1 : 0;
    const dose = [1, 3, 10][id % 3] as number;
    const rows: string[] = [`${id},${bw},${comed},${dose},0,.,1,1,${dose},1,.`];
    for (const [day, amt] of [[1, dose], [2, dose]] as const) rows.push(`${id},${bw},${comed},${dose},${24 * day},.,1,1,${amt},1,.`);
    for (const t of SAMPLE_TIMES) rows.push(`${id},${bw},${comed},${dose},${t},${(10 * next()).toFixed(4)},0,0,0,2,1`);
    for (const t of [...SAMPLE_TIMES, 36, 48, 60, 72, 96, 120, 144, 168].slice(0, 15)) rows.push(`${id},${bw},${comed},${dose},${t},${(5 + 5 * next()).toFixed(4)},0,0,0,3,2`);
    rows.sort((a, b) => Number(a.split(',')[4]) - Number(b.split(',')[4]));
    records += rows.length;
    await write(`${rows.join('\n')}\n`);
  }
  await new Promise<void>((ok, fail) => out.end((err?: Error | null) => (err ? fail(err) : ok())));
  return records;
}

interface ChildResult { subjects: number; records: number; datasetMs: number; projectionMs: number; totalMs: number; peakRssMiB: number }

const dir = await mkdtemp(join(tmpdir(), 'qusop-ingest-'));
try {
  const file = join(dir, 'trial.csv');
  const records = await writeTrial(file);
  const bytes = (await stat(file)).size;
  const runs: ChildResult[] = [];
  for (let i = 0; i < repeats; i += 1) {
    const { stdout } = await promisify(execFile)(process.execPath, ['--max-old-space-size=8192', join(here, 'ingest-child.js'), file], { maxBuffer: 1 << 20 });
    runs.push(JSON.parse(stdout) as ChildResult);
    process.stderr.write(`run ${i + 1}/${repeats}: ${stdout}`);
  }
  const med = (f: (r: ChildResult) => number) => median(runs.map(f)) ?? NaN;
  const result = {
    subjects, records, fileMiB: Number((bytes / 2 ** 20).toFixed(1)), repeats,
    medianMs: { dataset: med((r) => r.datasetMs), projection: med((r) => r.projectionMs), total: med((r) => r.totalMs) },
    medianPeakRssMiB: med((r) => r.peakRssMiB),
    runs, machine: machineInfo(), date: new Date().toISOString(),
  };
  const resultsDir = resolve(here, '..', '..', '..', 'bench', 'ingest');
  await writeFile(join(resultsDir, 'results.json'), `${JSON.stringify(result, null, 2)}\n`);
  const md = [
    `# Ingestion of ${subjects.toLocaleString('en')} subjects (${records.toLocaleString('en')} records, ${result.fileMiB} MiB)`,
    '',
    `Median of ${repeats} fresh processes, ${result.date.slice(0, 10)}, ${result.machine.cpuModel} (${result.machine.cores} cores, load ${result.machine.load.loadavg.join('/')}), Node ${result.machine.node}.`,
    '',
    '| stage | median |',
    '|---|---|',
    `| read + validate (Dataset) | ${(result.medianMs.dataset / 1000).toFixed(1)} s |`,
    `| Trial projection | ${(result.medianMs.projection / 1000).toFixed(2)} s |`,
    `| total | ${(result.medianMs.total / 1000).toFixed(1)} s |`,
    `| peak RSS | ${result.medianPeakRssMiB} MiB |`,
    '',
  ].join('\n');
  await writeFile(join(resultsDir, 'results.md'), md);
  process.stdout.write(md);
} finally {
  await rm(dir, { recursive: true, force: true });
}
