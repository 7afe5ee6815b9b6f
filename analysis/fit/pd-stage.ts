/**
 * Staged structure selection (issue 18 §2), its middle step: after the PK stage (pk-stage.ts) each
 * PK/PD candidate whose PK the concentrations kept is fitted to the biomarker alone, with every
 * subject's PK held at the individual estimates of its PK structure's fit to the concentrations (the
 * sequential IPP method, models/estimate/pd-given-pk.ts: only PD fixed effects, PD IIV and the PD
 * residual sd are estimated, so each fit is several times cheaper than a simultaneous one). The
 * candidates are ranked by BIC on the biomarker; those within PD_STAGE_MARGIN of the best, at most
 * PD_STAGE_KEEP, go on to the simultaneous PK/PD fit, which
 * alone ranks the final selection and is what is exported. A candidate the middle step cannot judge (no
 * PK structure of its own among the PK stage's, no finite biomarker -2LL) goes on as well.
 *
 * Fits run in worker threads like the candidates (at most `parallel` at once), each the same bytes as
 * here, so the table and the choice do not depend on `parallel`.
 */
import { Worker } from 'node:worker_threads';
import type { Trial } from '../../models/ingest/trial.js';
import { fitPdGivenPk, pkOfPkpd, type PdGivenPkFit } from '../../models/estimate/pd-given-pk.js';
import type { FitResult } from '../../models/estimate/fit.js';
import { structureForTrial, type Structure, type StructureId } from '../../models/structures/structure.js';
import type { CandidateFit } from './candidate-fit.js';

/** BIC units on the biomarker: "very strong" evidence above 10 (Kass & Raftery 1995), as the PK stage's margin. */
export const PD_STAGE_MARGIN = 10;
/** At most this many candidates go on to the simultaneous fit (each minutes of SAEM). */
export const PD_STAGE_KEEP = 2;

export interface PdStageRow extends PdGivenPkFit {
  /** went on to the simultaneous PK/PD fit */
  readonly kept: boolean;
}

export interface PdStage {
  readonly rows: readonly PdStageRow[];
  /** the candidates fitted simultaneously, in the candidates' order */
  readonly kept: readonly StructureId[];
  /** one line for the log and the report */
  readonly summary: string;
}

interface Job { readonly trial: Trial; readonly id: StructureId; readonly pkId: StructureId; readonly pkFit: FitResult; readonly seed: number }

/** One PD-given-PK fit (also the worker thread's body, pd-stage-thread.ts). */
export function fitPdJob(j: Job): Promise<PdGivenPkFit> {
  return fitPdGivenPk(j.trial, structureForTrial(j.trial, j.id), structureForTrial(j.trial, j.pkId), j.pkFit, j.seed);
}

function inThread(job: Job): Promise<PdGivenPkFit> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./pd-stage-thread.js', import.meta.url), { workerData: job });
    let settled = false;
    worker.on('message', (m: { kind: 'done'; result: PdGivenPkFit } | { kind: 'error'; name: string; message: string }) => {
      settled = true;
      if (m.kind === 'done') resolve(m.result);
      else reject(Object.assign(new Error(m.message), { name: m.name }));
    });
    worker.on('error', (err) => { if (!settled) { settled = true; reject(err); } });
    worker.on('exit', (code) => { if (!settled) reject(new Error(`PD stage ${job.id}: thread exited with code ${code} before a result`)); });
  });
}

/**
 * The middle step over `candidates` (those the PK stage kept) given the PK stage's fits; undefined when
 * there is nothing to choose between (fewer than PD_STAGE_KEEP + 1 candidates).
 */
export async function pdStage(trial: Trial, candidates: readonly Structure[], pkFits: readonly CandidateFit[], seed: number, parallel: number, say: (line: string) => void): Promise<PdStage | undefined> {
  if (candidates.length <= PD_STAGE_KEEP) return undefined;
  const jobs = candidates.flatMap((s) => {
    const pk = pkOfPkpd(s, pkFits.map((f) => f.structure));
    const pkFit = pkFits.find((f) => f.structure.id === pk?.id);
    return pk === undefined || pkFit === undefined ? [] : [{ trial, id: s.id, pkId: pk.id, pkFit: pkFit.fit, seed }];
  });
  say(`PD stage: ${jobs.map((j) => j.id).join(', ')} fitted to the biomarker alone, each subject's PK held at its individual estimates from ${[...new Set(jobs.map((j) => j.pkId))].join(', ')} (IPP)`);
  const fits: PdGivenPkFit[] = new Array(jobs.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < jobs.length; i = next++) {
      fits[i] = parallel <= 1 || jobs.length <= 1 ? await fitPdJob(jobs[i]!) : await inThread(jobs[i]!);
      say(`PD stage ${fits[i]!.structure}: ${Math.round(fits[i]!.timeMs / 1000)} s, biomarker -2LL ${fits[i]!.minus2LL.toFixed(1)}, BIC ${fits[i]!.bic.toFixed(1)}, converged ${fits[i]!.converged}`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, jobs.length)) }, lane));
  const keptIds = keptByBic(fits);
  const judged = new Set(fits.map((f) => f.structure));
  const kept = candidates.filter((s) => keptIds.has(s.id) || !judged.has(s.id)).map((s) => s.id);
  const rows = fits.map((f) => ({ ...f, kept: kept.includes(f.structure) }));
  const table = rows.map((r) => `${r.structure} BIC ${r.bic.toFixed(1)}${r.converged ? '' : ' (not converged)'}`).join('; ');
  const dropped = rows.filter((r) => !r.kept).map((r) => r.structure);
  return {
    rows, kept,
    summary: `PD stage (biomarker given the individual PK): ${table}; fitted simultaneously: ${kept.join(', ')}${dropped.length === 0 ? '' : `; not refitted (biomarker BIC more than ${PD_STAGE_MARGIN} above the best, or beyond the best ${PD_STAGE_KEEP}): ${dropped.join(', ')}`}`,
  };
}

/**
 * The rule: within PD_STAGE_MARGIN of the best finite BIC, at most PD_STAGE_KEEP, lowest first; none
 * finite: all. Convergence is not asked of these fits: the simultaneous fit is the one that must converge.
 */
export function keptByBic(fits: readonly Pick<PdGivenPkFit, 'structure' | 'bic' | 'converged'>[]): Set<StructureId> {
  const finite = fits.filter((f) => Number.isFinite(f.bic));
  if (finite.length === 0) return new Set(fits.map((f) => f.structure));
  const best = Math.min(...finite.map((f) => f.bic));
  // ties in BIC keep the candidates' order (a stable sort), so the choice is deterministic
  const ranked = [...finite].sort((a, b) => a.bic - b.bic).filter((f) => f.bic <= best + PD_STAGE_MARGIN);
  return new Set(ranked.slice(0, PD_STAGE_KEEP).map((f) => f.structure));
}
