/**
 * What `qusop watch` shows on stderr: a bar on a terminal, otherwise a line when the count or the phase
 * changes (at most one per 2 s for counts). No throughput figure: a replayed run arrives all at once,
 * so a rate measured by the watcher would be meaningless.
 */
import cliProgress from 'cli-progress';
import type { RunProgressInfo } from '../run/run-controller.js';

export interface WatchView {
  update(p: RunProgressInfo): void;
  stop(): void;
}

export const percent = (p: RunProgressInfo): number => (p.tilesTotal === 0 ? 100 : Math.floor((100 * p.tilesDone) / p.tilesTotal));

export function watchView(label: string, stream: NodeJS.WriteStream = process.stderr): WatchView {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {percentage}% | {value}/{total} tiles | {phase}`, stream, hideCursor: true, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update: (p) => {
        if (!started) bar.start(p.tilesTotal, p.tilesDone, { phase: p.phase });
        started = true;
        bar.setTotal(p.tilesTotal);
        bar.update(p.tilesDone, { phase: p.phase });
      },
      stop: () => started && bar.stop(),
    };
  }
  let lastMs = 0;
  let last = '';
  return {
    update: (p) => {
      const key = `${p.tilesDone}/${p.tilesTotal} ${p.phase}`;
      const now = Date.now();
      const phaseChanged = !last.endsWith(` ${p.phase}`);
      if (key === last || (!phaseChanged && now - lastMs < 2_000)) return;
      last = key;
      lastMs = now;
      stream.write(`${label}: ${p.tilesDone}/${p.tilesTotal} tiles (${percent(p)}%) ${p.phase.toLowerCase()}\n`);
    },
    stop: () => undefined,
  };
}
