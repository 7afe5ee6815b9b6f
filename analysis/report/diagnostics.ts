/**
 * Fit diagnostics of the models, from their cards: scalar facts (objective, convergence, ...), the
 * parameter table when the card carries one, and figures (GOF, VPC: any `diagnostics` string naming a
 * .png/.svg/.jpg beside the card) embedded as data URIs so the report stays one self-contained file.
 */
import { readFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import type { AnswerModel } from '../answer/models.js';
import { esc, table } from './html-kit.js';

const IMAGE_TYPES: Readonly<Record<string, string>> = { '.png': 'image/png', '.svg': 'image/svg+xml', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg' };

export interface DiagnosticFigure {
  readonly key: string;
  readonly file: string;
  readonly dataUri: string;
}

/** Every (key path, file name) in `v` whose value names an image. */
export function imageReferences(v: unknown, path = ''): { key: string; file: string }[] {
  if (typeof v === 'string') return extname(v).toLowerCase() in IMAGE_TYPES ? [{ key: path, file: v }] : [];
  if (Array.isArray(v)) return v.flatMap((x, i) => imageReferences(x, `${path}[${i}]`));
  if (v !== null && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => imageReferences(x, path === '' ? k : `${path}.${k}`));
  return [];
}

export async function diagnosticFigures(cardPath: string, diagnostics: Readonly<Record<string, unknown>>): Promise<DiagnosticFigure[]> {
  const out: DiagnosticFigure[] = [];
  for (const ref of imageReferences(diagnostics)) {
    const file = resolve(dirname(cardPath), ref.file);
    try {
      const bytes = await readFile(file);
      out.push({ key: ref.key, file, dataUri: `data:${IMAGE_TYPES[extname(file).toLowerCase()]};base64,${bytes.toString('base64')}` });
    } catch {
      // a figure the card names but that is not there is reported as missing text, not an error
      out.push({ key: ref.key, file, dataUri: '' });
    }
  }
  return out;
}

const fmt = (v: unknown): string => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(5)))) : typeof v === 'string' || typeof v === 'boolean' ? String(v) : JSON.stringify(v));

/** Scalars and short arrays become `key: value`; objects one level deep are flattened with dotted keys. */
export function scalarFacts(d: Readonly<Record<string, unknown>>): [string, string][] {
  const out: [string, string][] = [];
  const visit = (key: string, v: unknown, depth: number): void => {
    if (v === null || typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'string' && !(extname(v).toLowerCase() in IMAGE_TYPES))) out.push([key, fmt(v)]);
    else if (Array.isArray(v) && v.length <= 8 && v.every((x) => typeof x !== 'object')) out.push([key, v.map(fmt).join(', ')]);
    else if (typeof v === 'object' && !Array.isArray(v) && depth < 1) for (const [k, x] of Object.entries(v)) visit(`${key}.${k}`, x, depth + 1);
  };
  for (const [k, v] of Object.entries(d)) if (k !== 'parameters') visit(k, v, 0);
  return out;
}

interface ParameterRow { key?: unknown; group?: unknown; unit?: unknown; estimate?: unknown; se?: unknown; rsePercent?: unknown }

function parameterTable(rows: unknown): string {
  if (!Array.isArray(rows) || rows.length === 0) return '';
  const r = rows as ParameterRow[];
  return table(['group', 'parameter', 'estimate', 'SE', 'RSE %'], r.map((p) => [fmt(p.group ?? ''), `${fmt(p.key ?? '')}${p.unit ? ` (${fmt(p.unit)})` : ''}`, fmt(p.estimate ?? ''), fmt(p.se ?? ''), typeof p.rsePercent === 'number' ? p.rsePercent.toFixed(1) : '']), { caption: 'parameter estimates (natural scale)' });
}

/** The diagnostics section body for all models (empty text when no card has any). */
export async function diagnosticsHtml(models: readonly AnswerModel[]): Promise<string> {
  const parts: string[] = [];
  for (const m of models) {
    for (const regimen of ['qd', 'qw'] as const) {
      const { card, cardPath } = m.cards[regimen];
      // a fit's diagnostics are the same on both cards: show them once
      if (regimen === 'qw' && JSON.stringify(card.diagnostics) === JSON.stringify(m.cards.qd.card.diagnostics)) continue;
      const facts = scalarFacts(card.diagnostics);
      const figures = await diagnosticFigures(cardPath, card.diagnostics);
      const params = parameterTable(card.diagnostics['parameters']);
      const head = `<h3>${esc(m.label)} <span class="note">(${esc(card.family)} ${esc(card.version)}${regimen === 'qw' ? ', QW card' : ''})</span></h3>`;
      if (facts.length === 0 && figures.length === 0 && params === '') {
        parts.push(`${head}<p class="note">The model card records no fit diagnostics${card.test_model ? ' (a TEST model is not fitted to data)' : ''}.</p>`);
        continue;
      }
      const kv = facts.length === 0 ? '' : `<dl class="kv">${facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`;
      const figs = figures.map((f) => (f.dataUri === ''
        ? `<p class="note">figure ${esc(f.key)}: ${esc(f.file)} is missing</p>`
        : `<figure class="diag"><img alt="${esc(f.key)}" src="${f.dataUri}"><figcaption>${esc(f.key)} (${esc(f.file)})</figcaption></figure>`)).join('');
      parts.push(head + kv + params + figs);
    }
  }
  return parts.join('');
}
