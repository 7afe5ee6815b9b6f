/**
 * The model when `--model` is not given: the population PK/PD model fitted to the given trial. The
 * shipped fit (models/estdata, made by `qusop fit`) is used when its card's provenance names this very
 * trial (same sha256) and `--refit` is not asked for; otherwise the trial is fitted here (SAEM), R
 * parameter-uncertainty draws are taken from the fit's covariance (one per replicate, so the band
 * includes parameter uncertainty: SCIENCE.md "Cautions") and the model is exported into DIR/model/.
 */
import { readFile, access } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Hex } from '../../worker/model/load-card.js';
import { packageRoot } from '../../worker/common/version.js';
import type { FitProgress } from '../../models/estimate/fit.js';
import { DegenerateFitError } from '../../worker/common/errors.js';
import { degeneracySummary } from '../../models/estimate/degeneracy.js';
import { fitTrial } from '../fit/fit-trial.js';
import type { Structure } from '../../models/structures/structure.js';

export const SHIPPED_MODEL_DIR = (): string => join(packageRoot(), 'models', 'estdata');

/** True when any string inside `v` (any depth) equals `needle`. */
function mentions(v: unknown, needle: string): boolean {
  if (typeof v === 'string') return v === needle;
  if (Array.isArray(v)) return v.some((x) => mentions(x, needle));
  if (v !== null && typeof v === 'object') return Object.values(v).some((x) => mentions(x, needle));
  return false;
}

/** The shipped QD/QW cards when they were fitted to the trial with this sha256; undefined otherwise. */
export async function shippedModelFor(trialSha256: string, dir: string = SHIPPED_MODEL_DIR()): Promise<string[] | undefined> {
  const cards = [join(dir, 'qd.model.json'), join(dir, 'qw.model.json')];
  for (const c of cards) {
    try {
      await access(c);
      const card = JSON.parse(await readFile(c, 'utf8')) as { provenance?: unknown };
      if (!mentions(card.provenance, trialSha256)) return undefined;
    } catch {
      return undefined;
    }
  }
  return cards;
}

export interface FitAndExportOptions {
  readonly seed: number;
  /** parameter-uncertainty draws (the run's replicates R) */
  readonly draws: number;
  readonly outDir: string;
  readonly dataSpec?: string;
  /** candidate structures (default: the whole library) */
  readonly structures?: readonly Structure[];
  /** candidate fits at once (worker threads) */
  readonly parallel?: number;
  readonly progress?: (p: FitProgress) => void;
  /** the fit's lines (data summary, candidates, structure selection) */
  readonly say?: (line: string) => void;
}

/**
 * Fit -> draws -> ONNX + cards (and the fit's diagnostics) in outDir; returns the two card paths.
 * A degenerate fit is not exported: DegenerateFitError names its problems, before any run starts.
 */
export async function fitAndExport(trialPath: string, o: FitAndExportOptions): Promise<string[]> {
  const r = await fitTrial(trialPath, {
    seed: o.seed, draws: o.draws, vpcReplicates: 100, outDir: o.outDir, madeBy: 'qusop answer (no --model: fitted to the trial)',
    ...(o.progress === undefined ? {} : { progress: o.progress }),
    ...(o.dataSpec === undefined ? {} : { dataSpec: o.dataSpec }),
    ...(o.structures === undefined ? {} : { structures: o.structures }),
    ...(o.parallel === undefined ? {} : { parallel: o.parallel }),
    ...(o.say === undefined ? {} : { say: o.say }),
  });
  if (r.cards === null) {
    throw new DegenerateFitError(`degenerate fit to ${trialPath}: ${degeneracySummary(r.degenerate)}. No run started; the fit is recorded in ${join(o.outDir, 'fit-report.md')} (\`qusop fit --force\` exports it, then \`qusop answer --model\` runs it)${r.hint === undefined ? '' : `. Hint: ${r.hint}`}`, {
      details: { file: trialPath, problems: r.degenerate },
    });
  }
  return [r.cards.qd, r.cards.qw];
}
