/** Progress of a run: a bar on a terminal, a plain line every few seconds otherwise (logs, CI, SLURM). */
import cliProgress from 'cli-progress';
import type { RunProgressInfo } from '../run/run-controller.js';

export interface ProgressView {
  update(p: RunProgressInfo): void;
  stop(): void;
}

/**
 * Seconds left at the pace measured since this session's first finished tile (so worker start-up
 * does not count): tiles left x seconds per tile since then. NaN until there is such a pace.
 */
export function etaSeconds(tilesLeft: number, tilesSinceFirst: number, secondsSinceFirst: number): number {
  if (tilesLeft <= 0) return 0;
  return tilesSinceFirst > 0 && secondsSinceFirst > 0 ? (tilesLeft * secondsSinceFirst) / tilesSinceFirst : NaN;
}

/** 7s, 1m05s, 2h03m; above 10 s rounded to 5 s before splitting (so never "1m60s"); "--" for no estimate. */
export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  const s = seconds > 10 ? 5 * Math.round(seconds / 5) : Math.round(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  const two = (v: number): string => String(v).padStart(2, '0');
  if (h > 0) return `${h}h${two(m)}m`;
  return m > 0 ? `${m}m${two(r)}s` : `${r}s`;
}

/** Throughput and time left, measured from the first tile this session finished. */
function pace(clock: () => number): (p: RunProgressInfo) => { rate: string; eta: string } {
  let first: { atMs: number; tiles: number; trajectories: number } | undefined;
  return (p) => {
    const now = clock();
    if (first === undefined && p.tilesDone > p.tilesResumed) first = { atMs: now, tiles: p.tilesDone, trajectories: p.trajectories };
    const s = first === undefined ? 0 : (now - first.atMs) / 1000;
    const perS = first === undefined || s <= 0 ? undefined : (p.trajectories - first.trajectories) / s;
    return {
      rate: perS === undefined ? '' : `${Math.round(perS).toLocaleString('en-US')} traj/s`,
      eta: formatEta(etaSeconds(p.tilesTotal - p.tilesDone, first === undefined ? 0 : p.tilesDone - first.tiles, s)),
    };
  };
}

/** `clock` is for tests (milliseconds, like Date.now). */
export function progressView(label: string, stream: NodeJS.WriteStream = process.stderr, clock: () => number = Date.now): ProgressView {
  const measure = pace(clock);
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {percentage}% | {value}/{total} tiles | {rate} | ETA {remaining}`, stream, hideCursor: true, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    let startedBar = false;
    let finished = false;
    return {
      update: (p) => {
        if (finished) return; // the rate and ETA stay as they were when the last tile landed
        if (!startedBar) {
          bar.start(p.tilesTotal, p.tilesDone, { rate: '', remaining: '--' });
          startedBar = true;
        }
        finished = p.tilesDone === p.tilesTotal;
        const { rate, eta } = measure(p);
        bar.update(p.tilesDone, { rate, remaining: eta });
      },
      stop: () => startedBar && bar.stop(),
    };
  }
  let lastMs = 0;
  let lastDone = -1;
  return {
    update: (p) => {
      const now = clock();
      const finished = p.tilesDone === p.tilesTotal;
      const { rate, eta } = measure(p); // every update, so the pace starts at the first finished tile
      if ((now - lastMs < 2_000 && !finished) || p.tilesDone === lastDone) return;
      lastMs = now;
      lastDone = p.tilesDone;
      const pct = p.tilesTotal === 0 ? 100 : Math.floor((100 * p.tilesDone) / p.tilesTotal);
      stream.write(`${label}: ${p.tilesDone}/${p.tilesTotal} tiles (${pct}%)${rate === '' ? '' : ` ${rate}`}${finished ? '' : `, ETA ${eta}`}\n`);
    },
    stop: () => undefined,
  };
}
