/** Progress of a run: a bar on a terminal, a plain line every few seconds otherwise (logs, CI, SLURM). */
import cliProgress from 'cli-progress';
import type { RunProgressInfo } from '../run/run-controller.js';

export interface ProgressView {
  update(p: RunProgressInfo): void;
  stop(): void;
}

export function progressView(label: string, stream: NodeJS.WriteStream = process.stderr): ProgressView {
  const started = Date.now();
  const rate = (p: RunProgressInfo): string => {
    const s = (Date.now() - started) / 1000;
    return s > 0 ? `${Math.round(p.trajectories / s).toLocaleString('en-US')} traj/s` : '';
  };
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {percentage}% | {value}/{total} tiles | {rate} | ETA {eta_formatted}`, stream, hideCursor: true, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    let startedBar = false;
    return {
      update: (p) => {
        if (!startedBar) {
          bar.start(p.tilesTotal, p.tilesDone, { rate: '' });
          startedBar = true;
        }
        bar.update(p.tilesDone, { rate: rate(p) });
      },
      stop: () => startedBar && bar.stop(),
    };
  }
  let lastMs = 0;
  let lastDone = -1;
  return {
    update: (p) => {
      const now = Date.now();
      const finished = p.tilesDone === p.tilesTotal;
      if ((now - lastMs < 2_000 && !finished) || p.tilesDone === lastDone) return;
      lastMs = now;
      lastDone = p.tilesDone;
      const pct = p.tilesTotal === 0 ? 100 : Math.floor((100 * p.tilesDone) / p.tilesTotal);
      stream.write(`${label}: ${p.tilesDone}/${p.tilesTotal} tiles (${pct}%) ${rate(p)}\n`);
    },
    stop: () => undefined,
  };
}
