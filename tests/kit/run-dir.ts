/** Test kit: reading a run directory back (shard cells, curves bytes, decisions) for comparisons. */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readShard } from '../../coordinator/store/shard-reader.js';

/** Every (scenario, regimen, dose, replicate, n, k, sums) cell of the run's shards, sorted, one line each. */
export async function cellTable(dir: string): Promise<string[]> {
  const lines: string[] = [];
  for (const name of (await readdir(join(dir, 'shards'))).filter((n) => n.endsWith('.parquet'))) {
    const shard = await readShard(join(dir, 'shards', name));
    for (const r of shard.rows) lines.push(`${r.scenario}|${r.regimen}|${r.dose_index}|${r.replicate}|${r.n}|${r.k}|${r.sum_max_q20}|${r.sum_max_sq_q12}`);
  }
  return lines.sort();
}

export async function outputs(dir: string): Promise<{ curves: Buffer; decisions: string; manifest: Record<string, unknown> }> {
  return {
    curves: await readFile(join(dir, 'curves.parquet')),
    decisions: await readFile(join(dir, 'decisions.json'), 'utf8'),
    manifest: JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>,
  };
}
