/**
 * The family comparison's tables from what `qusop answer` and the timers wrote (regenerate.sh):
 * the answers side by side (every question cell x every model), the calibration on the held-out
 * subjects with a bootstrap interval on each Brier score, the per-family costs (training time,
 * trainable parameters, inference throughput) and each model's extrapolation note; with
 * `--synthetic`, the answers on synthetic trials against their true minimal doses.
 *
 *   node dist/bench/comparison/tables.js --answers answers.json --calibration calibration.json \
 *     --throughput throughput.json --training training-times.json > tables.md
 *   node dist/bench/comparison/tables.js --synthetic DIR > synthetic.md   (DIR/truth.json, DIR/<seed>/answers.json)
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { mulberry32 } from '../../tests/kit/prng.js';

/** The fields of answers.json these tables read. */
export interface AnswerRow {
  readonly question: number | string;
  readonly population: string;
  readonly regimen: string;
  readonly target: number;
  readonly dose: number | null;
  readonly mean_crossing: number | null;
  readonly interval: readonly [number | null, number | null];
  /** the model: an object in the five questions' answers.json, its name alone in a questions file's */
  readonly model: string | { readonly name: string; readonly card: string };
  readonly flags: readonly string[];
}
export interface ModelNoteRow { readonly model: string; readonly family: string; readonly extrapolation: string }
export interface CalibrationDoc {
  readonly models: readonly { readonly model: string; readonly relation: string; readonly score: { readonly n: number; readonly brier: number; readonly brier_base_rate: number; readonly predicted_rate: number; readonly observed_k: number }; readonly score_all_subjects: { readonly brier: number } }[];
  readonly subjects: readonly { readonly id: number; readonly chosen: boolean; readonly observed_success: number; readonly predicted: Readonly<Record<string, number>> }[];
}
export interface ThroughputDoc { readonly cards: readonly { readonly card: string; readonly name: string; readonly regimen: string; readonly T: number; readonly trajectoriesPerS: number }[] }
/** Training times not on the cards (population fit, baselines): model label -> seconds and where the figure comes from. */
export type TrainingTimes = Readonly<Record<string, { readonly seconds: number; readonly source: string }>>;

const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;
const mg = (x: number | null): string => (x === null ? 'beyond' : String(x));

/**
 * Percentile bootstrap interval (2.5 %, 97.5 %) of the Brier score over subjects: `resamples` draws of
 * n subjects with replacement (mulberry32 seeded, so the table is the same on every regeneration).
 */
export function brierInterval(predicted: readonly number[], observed: readonly number[], resamples = 2000, seed = 21): [number, number] {
  const n = predicted.length;
  if (n === 0 || observed.length !== n) throw new RangeError(`brierInterval: ${n} predictions for ${observed.length} observations`);
  const sq = predicted.map((p, i) => (p - observed[i]!) ** 2);
  const u = mulberry32(seed);
  const scores = Array.from({ length: resamples }, () => {
    let s = 0;
    for (let i = 0; i < n; i++) s += sq[Math.floor(u() * n)]!;
    return s / n;
  }).sort((a, b) => a - b);
  const at = (q: number): number => scores[Math.min(resamples - 1, Math.max(0, Math.round(q * (resamples - 1))))]!;
  return [at(0.025), at(0.975)];
}

/** One answer as the README shows it: conservative dose (mean crossing; [2.5 %, 97.5 %] of the per-replicate minimal dose), ⚑ when non-monotone. */
export function answerCell(a: AnswerRow): string {
  const flag = a.flags.includes('non-monotone') ? ' ⚑' : '';
  const spread = `(${a.mean_crossing ?? '—'}; [${mg(a.interval[0])}–${mg(a.interval[1])}])`;
  if (a.dose === null) return `not reached ${spread}${flag}`;
  return `**${a.dose} mg** ${spread}${flag}`;
}

export const modelName = (a: AnswerRow): string => (typeof a.model === 'string' ? a.model : a.model.name);
const cardOf = (a: AnswerRow): string => (typeof a.model === 'string' ? '' : a.model.card);

const cellKey = (a: AnswerRow): string => JSON.stringify([a.question, a.population, a.regimen, a.target]);
const row = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
const header = (cells: readonly string[]): string[] => [row(cells), row(cells.map(() => '---'))];

/** Models in first-seen order. */
export function modelOrder(answers: readonly AnswerRow[]): string[] {
  return [...new Set(answers.map(modelName))];
}

/** Question cells as rows (in first-seen order), models as columns. */
export function answersTable(answers: readonly AnswerRow[]): string[] {
  const models = modelOrder(answers);
  const cells = new Map<string, AnswerRow[]>();
  for (const a of answers) cells.set(cellKey(a), [...(cells.get(cellKey(a)) ?? []), a]);
  const lines = header(['Q', 'population', 'regimen', 'target', ...models]);
  for (const group of cells.values()) {
    const first = group[0]!;
    const byModel = new Map(group.map((a) => [modelName(a), a]));
    const q = typeof first.question === 'number' ? `Q${first.question}` : first.question;
    lines.push(row([q, first.population, first.regimen.toUpperCase(), `${Math.round(first.target * 100)} %`, ...models.map((m) => { const a = byModel.get(m); return a === undefined ? '' : answerCell(a); })]));
  }
  return lines;
}

export function calibrationTable(cal: CalibrationDoc): string[] {
  const chosen = cal.subjects.filter((s) => s.chosen);
  const lines = header(['model', 'these subjects are', 'observed', 'mean predicted', 'Brier [95 % bootstrap]', 'no-skill r(1−r)', `Brier, all ${cal.subjects.length}`]);
  for (const m of cal.models) {
    const [lo, hi] = brierInterval(chosen.map((s) => s.predicted[m.model] ?? NaN), chosen.map((s) => s.observed_success));
    lines.push(row([m.model, m.relation, `${m.score.observed_k} / ${m.score.n}`, pct(m.score.predicted_rate), `${m.score.brier.toFixed(3)} [${lo.toFixed(3)}, ${hi.toFixed(3)}]`, m.score.brier_base_rate.toFixed(3), m.score_all_subjects.brier.toFixed(3)]));
  }
  return lines;
}

/** What a card's diagnostics say about training (absent for fitted models). */
export interface CardTraining { readonly trainable: number | null; readonly seconds: number | null }

export function costTable(models: readonly { readonly label: string; readonly qdCard: string; readonly training: CardTraining }[], thr: ThroughputDoc, times: TrainingTimes): string[] {
  const rate = (card: string): string => {
    const r = thr.cards.find((c) => c.card === card || card.endsWith(`/${c.card}`) || c.card.endsWith(card));
    return r === undefined ? '—' : r.trajectoriesPerS.toLocaleString('en-US');
  };
  const lines = header(['model', 'trainable parameters', 'training time', 'trajectories/s QD', 'trajectories/s QW']);
  for (const m of models) {
    const t = m.training.seconds !== null ? `${m.training.seconds.toFixed(0)} s (card)` : times[m.label] !== undefined ? `${times[m.label]!.seconds} s (${times[m.label]!.source})` : '—';
    lines.push(row([m.label, m.training.trainable === null ? '—' : m.training.trainable.toLocaleString('en-US'), t, rate(m.qdCard), rate(qwCardPath(m.qdCard))]));
  }
  return lines;
}

/** A card's own extrapolation note (`diagnostics.extrapolation`, QD and QW), where its trainer wrote one. */
export interface CardNotes { readonly qd: string | null; readonly qw: string | null }

/**
 * answers.json's note per model (written by `qusop answer` from the card's kind), and beside it the
 * card's own note where the trainer wrote one: the two can disagree (answers.json words every model
 * with a train/validation split as a sequence model, the QCNN among them), and the reader sees both.
 */
export function notesTable(notes: readonly ModelNoteRow[], cardNotes: Readonly<Record<string, CardNotes>> = {}): string[] {
  const clean = (t: string): string => t.replace(/\|/g, '/');
  const own = (model: string): string => {
    const c = cardNotes[model];
    if (c === undefined || (c.qd === null && c.qw === null)) return '—';
    return [c.qd === null ? '' : `QD: ${clean(c.qd)}`, c.qw === null ? '' : `QW: ${clean(c.qw)}`].filter((x) => x !== '').join('; ');
  };
  return [...header(['model', 'family', 'extrapolation (answers.json)', 'the card\'s own note (diagnostics.extrapolation)']), ...notes.map((n) => row([n.model, n.family, clean(n.extrapolation), own(n.model)]))];
}

export interface TruthDoc { readonly answers: readonly { readonly question: string; readonly regimen: string; readonly dose: number; readonly close: boolean }[]; readonly trials: readonly { readonly seed: number }[] }

/** Per trial and model: Q1 / Q2 answers against the true minimal dose (the questions file names them Q1 and Q2). */
export function syntheticTable(truth: TruthDoc, perTrial: readonly { readonly seed: number; readonly answers: readonly AnswerRow[] }[]): string[] {
  const qs = truth.answers.map((a) => a.question);
  const lines = header(['trial', 'model', ...qs.map((q) => { const t = truth.answers.find((a) => a.question === q)!; return `${q} ${t.regimen.toUpperCase()} (true ${t.dose} mg${t.close ? '*' : ''})`; })]);
  for (const t of perTrial) {
    for (const m of modelOrder(t.answers)) {
      const cell = (q: string): string => {
        const truthRow = truth.answers.find((a) => a.question === q)!;
        const a = t.answers.find((x) => modelName(x) === m && (x.question === q || `Q${x.question}` === q) && x.regimen === truthRow.regimen);
        if (a === undefined) return '—';
        const ratio = a.dose === null ? '' : ` ×${(a.dose / truthRow.dose).toFixed(2)}`;
        return `${answerCell(a)}${ratio}`;
      };
      lines.push(row([`seed ${t.seed}`, m, ...qs.map(cell)]));
    }
  }
  return lines;
}

async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}

/**
 * Trainable parameters and training seconds from a card's diagnostics: `trainable_parameters` (sequence
 * models, qnn-moe) or `parameters.total` (qcnn: circuit angles + readout weights); null where the card
 * records neither (fitted models: their times come from training-times.json).
 */
export function cardTraining(diagnostics: Readonly<Record<string, unknown>> | undefined): CardTraining {
  const d = diagnostics ?? {};
  const num = (x: unknown): number | null => (typeof x === 'number' ? x : null);
  const params = d['parameters'] !== null && typeof d['parameters'] === 'object' ? (d['parameters'] as Record<string, unknown>) : {};
  return { trainable: num(d['trainable_parameters']) ?? num(params['total']), seconds: num(d['training_seconds']) };
}

/** The card's own extrapolation note, or null. */
const cardNote = (diagnostics: Readonly<Record<string, unknown>> | undefined): string | null => {
  const e = diagnostics?.['extrapolation'];
  return typeof e === 'string' ? e : null;
};

const qwCardPath = (qdCard: string): string => qdCard.replace(/(^|[-/])qd\.model\.json$/, '$1qw.model.json');

if (process.argv[1]?.endsWith('tables.js')) {
  const { values } = parseArgs({ options: { answers: { type: 'string' }, calibration: { type: 'string' }, throughput: { type: 'string' }, training: { type: 'string' }, synthetic: { type: 'string' } } });
  const out: string[] = [];
  if (values.synthetic !== undefined) {
    const truth = await readJson<TruthDoc>(join(values.synthetic, 'truth.json'));
    const perTrial = [];
    for (const t of truth.trials) perTrial.push({ seed: t.seed, answers: (await readJson<{ answers: AnswerRow[] }>(join(values.synthetic, String(t.seed), 'answers.json'))).answers });
    out.push(...syntheticTable(truth, perTrial));
  } else {
    if (values.answers === undefined || values.calibration === undefined || values.throughput === undefined) throw new Error('--answers, --calibration and --throughput are required');
    const doc = await readJson<{ answers: AnswerRow[]; models: ModelNoteRow[] }>(values.answers);
    const times = values.training === undefined ? {} : await readJson<TrainingTimes>(values.training);
    type Diagnostics = { diagnostics?: Record<string, unknown> };
    const models = [];
    const cardNotes: Record<string, CardNotes> = {};
    for (const label of modelOrder(doc.answers)) {
      const qd = cardOf(doc.answers.find((a) => modelName(a) === label && a.regimen === 'qd')!);
      const qdDiagnostics = (await readJson<Diagnostics>(qd)).diagnostics;
      const qwAnswer = doc.answers.find((a) => modelName(a) === label && a.regimen === 'qw');
      const qwDiagnostics = qwAnswer === undefined ? undefined : (await readJson<Diagnostics>(cardOf(qwAnswer))).diagnostics;
      models.push({ label, qdCard: qd, training: cardTraining(qdDiagnostics) });
      cardNotes[label] = { qd: cardNote(qdDiagnostics), qw: cardNote(qwDiagnostics) };
    }
    out.push('## Answers', '', ...answersTable(doc.answers), '', '## Calibration', '', ...calibrationTable(await readJson<CalibrationDoc>(values.calibration)), '',
      '## Costs', '', ...costTable(models, await readJson<ThroughputDoc>(values.throughput), times), '', '## Extrapolation', '', ...notesTable(doc.models, cardNotes));
  }
  process.stdout.write(`${out.join('\n')}\n`);
}
