/**
 * The cells a finished run decided on: one per (scenario, regimen, dose) row of its curves.parquet,
 * with the pooled subjects n and successes k. A directory that is not a finished run is bad input
 * naming the file and what was expected; nothing is read beyond what that check needs.
 *
 * "Finished": run.json names the run, curves.parquet carries the same run id, and manifest.json (when
 * there is one; a SLURM array run aggregated by `qusop aggregate` has none) says "succeeded".
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CURVES_PARQUET } from '../../coordinator/aggregate/outputs.js';
import { readRunFile } from '../../coordinator/run/run-dir.js';
import { decodeParquet } from '../../coordinator/store/shard-reader.js';
import { InputError } from '../../worker/common/errors.js';

export interface RunCell {
  readonly scenario: string;
  readonly regimen: string;
  /** mg */
  readonly dose: number;
  readonly n: number;
  readonly k: number;
}

export interface RunCells {
  readonly runId: string;
  readonly cells: readonly RunCell[];
}

const bad = (file: string, message: string): InputError => new InputError(`${file}: ${message}`, { details: { file } });

async function readOptional(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw bad(path, `cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

async function checkDirectory(dir: string): Promise<void> {
  let isDir: boolean;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch (err) {
    throw bad(dir, `no such run directory (${(err as NodeJS.ErrnoException).code ?? String(err)}); expected the directory of a finished qusop run`);
  }
  if (!isDir) throw bad(dir, 'not a directory; expected the directory of a finished qusop run');
}

async function checkManifest(dir: string): Promise<void> {
  const path = join(dir, 'manifest.json');
  const text = await readOptional(path);
  if (text === undefined) return;
  let status: unknown;
  try {
    status = (JSON.parse(text.toString('utf8')) as { status?: unknown }).status;
  } catch {
    throw bad(path, 'not valid JSON; expected the manifest of a finished run');
  }
  if (status !== 'succeeded') throw bad(path, `field "status" is ${JSON.stringify(status)}; expected "succeeded" (a finished run: resume it with the same command, or \`qusop aggregate\` it)`);
}

const numbers = (values: ArrayLike<unknown>): number[] => Array.from(values, (v) => Number(v));

/** The cells of the finished run in `dir`, in curve order (scenario, regimen, dose). */
export async function readRunCells(dir: string): Promise<RunCells> {
  await checkDirectory(dir);
  const run = await readRunFile(dir);
  if (run === undefined) throw bad(join(dir, 'run.json'), 'missing; expected a qusop run directory (run.json, manifest.json, curves.parquet)');
  await checkManifest(dir);
  const path = join(dir, CURVES_PARQUET);
  const bytes = await readOptional(path);
  if (bytes === undefined) throw bad(path, 'missing; expected the curves of a finished run (`qusop aggregate` writes them)');
  let decoded: ReturnType<typeof decodeParquet>;
  try {
    decoded = decodeParquet(bytes, path);
  } catch (err) {
    throw new InputError(err instanceof Error ? err.message : String(err), { cause: err, details: { file: path } });
  }
  if (decoded.metadata['run_id'] !== run.runId) {
    throw bad(path, `metadata run_id is ${JSON.stringify(decoded.metadata['run_id'] ?? null)}; expected ${run.runId} (run.json): the curves are not this run's`);
  }
  const column = (name: string): ArrayLike<unknown> => {
    const c = decoded.table.getChild(name);
    if (c === null) throw bad(path, `no column "${name}"; expected the curve columns of coordinator/aggregate/README.md`);
    return c.toArray() as ArrayLike<unknown>;
  };
  const scenario = Array.from(column('scenario'), String);
  const regimen = Array.from(column('regimen'), String);
  const dose = numbers(column('dose'));
  const n = numbers(column('n'));
  const k = numbers(column('k'));
  if (scenario.length === 0) throw bad(path, 'no rows; expected one row per (scenario, regimen, dose)');
  const cells = scenario.map((s, i) => ({ scenario: s, regimen: regimen[i] ?? '', dose: dose[i] ?? Number.NaN, n: n[i] ?? 0, k: k[i] ?? -1 }));
  for (const [i, c] of cells.entries()) {
    if (!(Number.isInteger(c.n) && c.n >= 1 && Number.isInteger(c.k) && c.k >= 0 && c.k <= c.n)) {
      throw bad(path, `row ${i + 1} (${c.scenario}/${c.regimen} ${c.dose} mg): n = ${c.n}, k = ${c.k}; expected integers with 0 <= k <= n, n >= 1`);
    }
  }
  return { runId: run.runId, cells };
}
