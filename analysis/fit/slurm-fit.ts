/**
 * `qusop submit slurm-fit TRIAL --out DIR`: a fit's candidate structures as a SLURM array, one
 * candidate per task, then the selection as one job after them (issue 18 §2):
 *   DIR/slurm/fit-candidates.sbatch  array: `qusop fit TRIAL --only-candidate ID --candidate-store DIR/candidates`
 *   DIR/slurm/fit-select.sbatch      --dependency=afterany:<array>: `qusop fit TRIAL --out DIR --stored-only ...`
 *   DIR/slurm/logs/, DIR/slurm/jobs.json
 * The array fits every candidate the fit may use, the PK stage's structures included (candidatePlan):
 * the selection job applies the staged selection to the stored fits (the PD stage's biomarker-only
 * fits, pd-stage.ts, run in the selection job itself: they are not stored), so its result is byte for
 * byte the one `qusop fit` computes on one machine, and its wall time is the slowest candidate's rather
 * than their sum; the array fits every PK/PD candidate simultaneously, those the PD stage sets aside too. The selection waits for `afterany` and fails naming the candidates whose fit is
 * missing; re-submitting the same command refits only those.
 */
import { chmod, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { sha256Hex } from '../../worker/model/load-card.js';
import { writeFileAtomic } from '../../coordinator/store/atomic-file.js';
import { checkPositive, checkSbatchPath, sbatchExtraLines, slurmPaths } from '../../coordinator/slurm/scripts.js';
import type { SlurmCallOptions } from '../../coordinator/slurm/slurm-cli.js';
import { loadTemplates, renderTemplate, shQuote } from '../../coordinator/slurm/templates.js';
import { defaultQusopCommand, submitInOrder } from '../../coordinator/slurm/submit.js';
import { parseStructures } from '../../models/structures/structure.js';
import { candidatePlan, readTrialForFit } from './fit-trial.js';

export interface SubmitSlurmFitOptions {
  readonly trial: string;
  readonly out: string;
  readonly dataSpec?: string | undefined;
  readonly structure?: string | undefined;
  readonly seed: number;
  readonly draws: number;
  readonly vpcReplicates: number;
  readonly force: boolean;
  readonly concurrency?: number | undefined;
  readonly partition?: string | undefined;
  readonly timeLimit?: string | undefined;
  readonly sbatchOptions?: readonly string[] | undefined;
  readonly qusopCommand?: string | undefined;
  readonly dryRun: boolean;
}

export interface SlurmFitJob {
  readonly role: 'candidates' | 'select';
  readonly script: string;
  readonly sbatchOptions: readonly string[];
  readonly jobId?: string;
}

export interface SubmitSlurmFitResult {
  readonly dir: string;
  readonly store: string;
  /** the array's tasks, in task order */
  readonly candidates: readonly string[];
  readonly scripts: readonly string[];
  readonly jobs: readonly SlurmFitJob[];
}

export async function submitSlurmFit(o: SubmitSlurmFitOptions, call: SlurmCallOptions = {}): Promise<SubmitSlurmFitResult> {
  const out = resolve(o.out);
  checkSbatchPath(out);
  if (o.concurrency !== undefined) checkPositive('--concurrency', o.concurrency);
  for (const [field, v] of [['--draws', o.draws], ['--vpc-replicates', o.vpcReplicates]] as const) checkPositive(field, v);
  const trialPath = resolve(o.trial);
  const dataSpec = o.dataSpec === undefined ? undefined : resolve(o.dataSpec);
  // the trial is read here too: a bad file or spec fails now, not in every array task
  const { trial, dataSha256 } = await readTrialForFit(trialPath, dataSpec);
  const plan = candidatePlan(trial, parseStructures(o.structure));
  const ids = [...new Set([...plan.pkStage, ...plan.candidates].map((s) => s.id))];
  const paths = slurmPaths(out);
  const store = join(out, 'candidates');
  const fitArgs = [
    shQuote(trialPath),
    ...(dataSpec === undefined ? [] : ['--data-spec', shQuote(dataSpec)]),
    ...(o.structure === undefined ? [] : ['--structure', shQuote(o.structure)]),
    '--seed', String(o.seed), '--draws', String(o.draws), '--vpc-replicates', String(o.vpcReplicates),
    '--candidate-store', shQuote(store),
  ].join(' ');
  const vars = {
    JOB_NAME: `qusop-fit-${dataSha256.slice(0, 8)}`,
    LOG_DIR: paths.logs,
    TASKS: String(ids.length),
    LAST_TASK: String(ids.length - 1),
    THROTTLE: o.concurrency === undefined ? '' : `%${o.concurrency}`,
    SBATCH_EXTRA: sbatchExtraLines(o),
    QUSOP: o.qusopCommand ?? defaultQusopCommand(),
    TRIAL: trialPath,
    STORE: store,
    OUT: out,
    CANDIDATES: ids.join(' '),
    FIT_ARGS: fitArgs,
    SELECT_ARGS: ['--out', shQuote(out), ...(o.force ? ['--force'] : [])].join(' '),
  };
  const templates = await loadTemplates();
  const scripts = (['fit-candidates.sbatch', 'fit-select.sbatch'] as const).map((name) => ({ name, text: renderTemplate(templates[name], vars, name) }));
  await mkdir(paths.logs, { recursive: true });
  for (const s of scripts) {
    await writeFileAtomic(join(paths.dir, s.name), s.text);
    await chmod(join(paths.dir, s.name), 0o755);
  }
  const plannedJobs: SlurmFitJob[] = [
    { role: 'candidates', script: join(paths.dir, 'fit-candidates.sbatch'), sbatchOptions: [] },
    { role: 'select', script: join(paths.dir, 'fit-select.sbatch'), sbatchOptions: ['--dependency=afterany:{candidates}', '--kill-on-invalid-dep=yes'] },
  ];
  const base = { dir: out, store, candidates: ids, scripts: scripts.map((s) => join(paths.dir, s.name)) };
  if (o.dryRun) return { ...base, jobs: plannedJobs };
  const jobs = await submitInOrder(plannedJobs, call);
  const result = { ...base, jobs };
  await writeFileAtomic(paths.jobs, JSON.stringify({ ...result, submittedAt: new Date().toISOString() }, null, 2) + '\n');
  return result;
}

/** One line for the terminal: what was planned and where it goes. */
export function describeSlurmFit(r: SubmitSlurmFitResult): string {
  return `fit of ${r.candidates.length} candidate structure(s) (${r.candidates.join(', ')}) -> ${r.dir} (candidate store ${r.store})`;
}
