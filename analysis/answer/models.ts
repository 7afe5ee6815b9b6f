/**
 * `--model CARD ...` -> models. A model is a pair of trajectory-model cards, one QD (tau 24 h) and one
 * QW (tau 168 h), grouped by card `family` and `name` with its regimen suffix removed
 * (`popmodel-qd` + `popmodel-qw` -> `popmodel`). Several models make a model comparison: they run in
 * the same scenarios, so they see the same virtual subjects (common random numbers across models).
 */
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InputError } from '../../worker/common/errors.js';
import { loadModel, type LoadedModel } from '../../worker/model/load-card.js';
import type { ModelCard } from '../../worker/model/card.js';
import type { RegimenName } from './questions.js';

export interface AnswerModel {
  /** short name used in tables, plots and (with several models) regimen names: `qd.<label>` */
  readonly label: string;
  readonly family: string;
  readonly testModel: boolean;
  readonly cards: Readonly<Record<RegimenName, { readonly cardPath: string; readonly card: ModelCard }>>;
}

const TAU_H: Readonly<Record<RegimenName, number>> = { qd: 24, qw: 168 };
const SUFFIX = /[-_.]?(qd|qw|daily|weekly)$/i;

/** `popmodel-qd` -> `popmodel`; a name that is only a regimen tag stays as it is. */
export function baseName(cardName: string): string {
  const stripped = cardName.replace(SUFFIX, '');
  return stripped === '' ? cardName : stripped;
}

/** Letters, digits, `_`, `-` (scenario regimen names allow these, and they read well in file names). */
export function safeLabel(s: string): string {
  const out = s.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^[-_]+|[-_]+$/g, '');
  return out === '' ? 'model' : out;
}

function regimenOf(card: ModelCard): RegimenName | undefined {
  for (const r of ['qd', 'qw'] as const) if (Math.abs(card.regimen.tau_h - TAU_H[r]) < 1e-9) return r;
  return undefined;
}

/** Expands directories to the `*.model.json` files inside them (sorted), keeps files as given. */
export async function expandCardPaths(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const abs = resolve(p);
    const s = await stat(abs).catch(() => undefined);
    if (s?.isDirectory() === true) {
      const cards = (await readdir(abs)).filter((n) => n.endsWith('.model.json')).sort();
      if (cards.length === 0) throw new InputError(`--model ${p}: directory has no *.model.json cards`, { details: { field: '--model', file: abs } });
      out.push(...cards.map((n) => join(abs, n)));
    } else out.push(abs);
  }
  return out;
}

/** Pure grouping of loaded cards into models; InputError names the cards when a QD or QW is missing or doubled. */
export function groupModels(loaded: readonly { readonly cardPath: string; readonly card: ModelCard }[]): AnswerModel[] {
  const groups = new Map<string, { family: string; base: string; members: { cardPath: string; card: ModelCard; regimen: RegimenName }[] }>();
  for (const m of loaded) {
    const regimen = regimenOf(m.card);
    if (regimen === undefined) {
      throw new InputError(`--model ${m.cardPath}: card regimen tau_h is ${m.card.regimen.tau_h} h; qusop answer needs QD (24 h) and QW (168 h) models`, { details: { field: '--model', file: m.cardPath } });
    }
    const base = baseName(m.card.name);
    const key = JSON.stringify([m.card.family, base]);
    const g = groups.get(key) ?? { family: m.card.family, base, members: [] };
    g.members.push({ ...m, regimen });
    groups.set(key, g);
  }
  const baseCounts = new Map<string, number>();
  for (const g of groups.values()) baseCounts.set(g.base, (baseCounts.get(g.base) ?? 0) + 1);
  const models: AnswerModel[] = [];
  for (const g of groups.values()) {
    const pick = (r: RegimenName): { cardPath: string; card: ModelCard } => {
      const found = g.members.filter((m) => m.regimen === r);
      const which = `model "${g.base}" (family ${g.family})`;
      if (found.length === 0) {
        const have = g.members.map((m) => m.cardPath).join(', ');
        throw new InputError(`--model: ${which} has no ${r.toUpperCase()} card (tau_h ${TAU_H[r]} h); given: ${have}. Each model needs a QD and a QW card.`, { details: { field: '--model' } });
      }
      if (found.length > 1) throw new InputError(`--model: ${which} has ${found.length} ${r.toUpperCase()} cards (${found.map((m) => m.cardPath).join(', ')}); give one`, { details: { field: '--model' } });
      const [only] = found;
      return { cardPath: only!.cardPath, card: only!.card };
    };
    const label = safeLabel((baseCounts.get(g.base) ?? 0) > 1 ? `${g.family}-${g.base}` : g.base);
    const cards = { qd: pick('qd'), qw: pick('qw') };
    models.push({ label, family: g.family, testModel: cards.qd.card.test_model || cards.qw.card.test_model, cards });
  }
  const labels = new Set<string>();
  for (const m of models) {
    if (labels.has(m.label)) throw new InputError(`--model: two models are both called "${m.label}"; rename one card`, { details: { field: '--model' } });
    labels.add(m.label);
  }
  return models;
}

/** Loads every card (schema + ONNX sha256 checked) and groups them. */
export async function loadAnswerModels(paths: readonly string[]): Promise<AnswerModel[]> {
  const loaded: LoadedModel[] = [];
  for (const p of await expandCardPaths(paths)) loaded.push(await loadModel(p));
  return groupModels(loaded);
}

/** The scenario regimen name of a (regimen, model): `qd` / `qw` for one model, `qd.<label>` with several. */
export function regimenKey(regimen: RegimenName, model: AnswerModel, models: readonly AnswerModel[]): string {
  return models.length === 1 ? regimen : `${regimen}.${model.label}`;
}
