/**
 * `qusop fit`: the fit with progress on stderr, the parameter table and where everything went on
 * stdout. Exit 1 when the fit did not converge or is degenerate (then nothing is exported unless
 * --force, and stderr names every problem).
 */
import { access, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InputError } from '../../worker/common/errors.js';
import { degeneracySummary } from '../../models/estimate/degeneracy.js';
import { fitTrial } from './fit-trial.js';
import { parseStructures } from '../../models/structures/structure.js';

export interface FitCommandArgs {
  readonly trial: string;
  readonly dataSpec?: string | undefined;
  /** comma-separated candidate structure ids (default: all) */
  readonly structure?: string | undefined;
  readonly out: string;
  readonly seed: number;
  readonly draws: number;
  readonly vpcReplicates: number;
  readonly force?: boolean | undefined;
  /** candidate fits at once (worker threads) */
  readonly parallel?: number | undefined;
}

export async function fitCommand(a: FitCommandArgs): Promise<number> {
  for (const [field, v] of [['--draws', a.draws], ['--vpc-replicates', a.vpcReplicates]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new InputError(`${field} is ${v}; expected an integer >= 1`);
  }
  const structures = parseStructures(a.structure);
  let last = 0;
  const r = await fitTrial(a.trial, {
    ...(a.dataSpec === undefined ? {} : { dataSpec: a.dataSpec }),
    ...(structures === undefined ? {} : { structures }),
    ...(a.parallel === undefined ? {} : { parallel: a.parallel }),
    seed: a.seed, draws: a.draws, force: a.force === true, vpcReplicates: a.vpcReplicates, outDir: resolve(a.out), madeBy: `qusop fit ${a.trial}`,
    say: (line) => process.stderr.write(`${line}\n`),
    progress: (p) => {
      const now = Date.now();
      // SAEM reports every iteration: one line every 2 s is enough on a terminal or in a SLURM log
      if (p.stage !== 'saem' || now - last > 2_000) {
        last = now;
        process.stderr.write(`fit: ${p.stage}: ${p.message}\n`);
      }
    },
  });
  process.stdout.write(await readFile(join(resolve(a.out), 'fit-report.md'), 'utf8'));
  if (r.cards !== null) process.stdout.write(`\nmodel cards: ${r.cards.qd}\n             ${r.cards.qw}\n`);
  if (r.degenerate.length > 0) {
    const out = resolve(a.out);
    process.stderr.write(`qusop fit: degenerate fit to ${a.trial}: ${degeneracySummary(r.degenerate)}\n`);
    if (r.cards === null) {
      process.stderr.write(`not exported (no cards, ONNX or model.yaml); the fit is recorded in ${join(out, 'fit.json')} and ${join(out, 'fit-report.md')}; --force exports it anyway\n`);
      const stale = await access(join(out, 'qd.model.json')).then(() => true, () => false);
      if (stale) process.stderr.write(`note: ${out} still holds model cards from an earlier fit; they are not this fit's\n`);
    } else process.stderr.write('exported anyway (--force): the cards carry diagnostics.degenerate\n');
    return 1;
  }
  return r.fit.converged ? 0 : 1;
}
