/**
 * Memory of planning and tracking a 10^6-tile run (issue 6, "bounded resources"): the coordinator's
 * per-run state is the tile plan, the id index and the scheduler (with one sha256 digest per accepted
 * tile). Drives a synthetic run to completion through the real planner and scheduler and reports heap
 * and RSS after each stage. Run: `node --expose-gc dist/bench/coordinator/memory.js [tiles]`.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { createHash } from 'node:crypto';
import { planTiles } from '../../coordinator/plan/tiles.js';
import { TileScheduler } from '../../coordinator/schedule/scheduler.js';
import type { RunSpecJson } from '../../worker/run-spec.js';

const MiB = 1024 * 1024;
const gc = (globalThis as { gc?: () => void }).gc;
const sample = (): { heapMiB: number; rssMiB: number } => {
  gc?.();
  const m = process.memoryUsage();
  return { heapMiB: Math.round(m.heapUsed / MiB), rssMiB: Math.round(m.rss / MiB) };
};

const tilesWanted = Number(process.argv[2] ?? 1_000_000);
const doses = 1000;
const replicates = Math.ceil(tilesWanted / doses);
const spec: RunSpecJson = {
  runId: 'bench', codeVersion: 'bench',
  scenarios: [{
    name: 's', description: '', seed: 1, populationLabel: '', thresholdNgMl: 3.3, targets: [0.9], replicates,
    band: { method: 'clopper-pearson', level: 0.95 },
    population: { bw: { kind: 'fixed', valueKg: 70 }, comed: { kind: 'fixed', value: 0 }, subjects: 100 },
    regimens: [{ name: 'qd', tauH: 24, dosesMg: Array.from({ length: doses }, (_, i) => (i + 1) / 2), modelSha256: 'x' }],
  }],
};

const stages: Record<string, unknown>[] = [];
const mark = (stage: string, extra: Record<string, unknown> = {}): void => {
  const s = { stage, ...sample(), ...extra };
  stages.push(s);
  process.stdout.write(`${JSON.stringify(s)}\n`);
};
mark('start');
let t = performance.now();
const tiles = planTiles(spec, { targetTrajectories: 100 });
mark('planned', { tiles: tiles.length, ms: Math.round(performance.now() - t) });
const byId = new Map(tiles.map((x) => [x.tileId, x]));
mark('indexed', { ms: Math.round(performance.now() - t) });
t = performance.now();
const scheduler = new TileScheduler(tiles.map((x) => x.tileId), [], { backups: false });
mark('scheduler', { ms: Math.round(performance.now() - t) });
t = performance.now();
let now = 0;
const workers = 1000;
for (let done = 0; done < tiles.length; ) {
  for (let w = 0; w < workers && done < tiles.length; w += 1) {
    const d = scheduler.lease(`w${w}`, 1, now);
    for (const l of d.tiles) {
      const digest = createHash('sha256').update(l.tileId).digest('hex');
      scheduler.complete(`w${w}`, l.tileId, digest, now + 1);
      done += 1;
    }
  }
  now += 10;
}
const elapsed = performance.now() - t;
mark('completed', { completionsPerSecond: Math.round(tiles.length / (elapsed / 1000)), state: scheduler.snapshot().run });
void byId.size;
const result = { machine: { cpus: cpus().length, model: cpus()[0]?.model ?? '', node: process.version }, tiles: tiles.length, stages };
writeFileSync(new URL('./memory-result.json', import.meta.url.replace('/dist/', '/')), JSON.stringify(result, null, 2) + '\n');
