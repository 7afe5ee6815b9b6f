/**
 * How a mechanistic card's structure was chosen (issue 20: the report says which selector produced an
 * answer), in words derived from the card alone (pure): by the likelihood (BIC) over a candidate set
 * (card `diagnostics.selection`, written by `qusop fit` when it compared candidates), after a learned
 * selector's shortlist (card `provenance.selector`, written by `qusop fit --preselect transformer`), as a
 * credible candidate swept beside the chosen one (`qusop answer --average`), or with no comparison on
 * record (one candidate: `--structure`, an imported model, or a card from before the library).
 */
import type { ModelCard } from '../../worker/model/card.js';
import { STRUCTURES } from '../../models/structures/structure.js';

interface SelectionRow { structure?: unknown; bic?: unknown; weight?: unknown; chosen?: unknown }

const record = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const pct = (w: number): string => `${Number((100 * w).toPrecision(3))} %`;

/** The learned selector's part: "the Transformer selector (weights sha256 abc…) shortlisted A, B; " or "". */
function selectorText(card: ModelCard): string {
  const s = record(card.provenance['selector']);
  if (s['method'] === undefined) return '';
  const weights = record(s['weights']);
  const sha = typeof weights['sha256'] === 'string' ? ` (weights sha256 ${weights['sha256'].slice(0, 12)})` : '';
  const shortlist = Array.isArray(s['shortlist']) ? s['shortlist'].map(String).join(', ') : '?';
  return `the ${String(s['method'])} selector${sha} shortlisted ${shortlist}; then `;
}

/** The card's structure id, from its family (undefined: not a library structure). */
export function cardStructureId(card: ModelCard): string | undefined {
  return STRUCTURES.find((s) => s.family === card.family)?.id;
}

/** One sentence: which structure, and what chose it. */
export function structureSource(card: ModelCard): string {
  const id = cardStructureId(card);
  if (id === undefined) return 'not a structure of the library (the card\'s own model)';
  const rows = card.diagnostics['selection'];
  const selector = selectorText(card);
  if (!Array.isArray(rows) || rows.length === 0) {
    return `${id}: ${selector === '' ? 'no structure comparison on record (one candidate: named with --structure, imported, or fitted before the library)' : `${selector}fitted alone`}`;
  }
  const sel = rows as SelectionRow[];
  const mine = sel.find((r) => r.structure === id);
  const chosen = sel.find((r) => r.chosen === true);
  const bic = typeof mine?.bic === 'number' ? `BIC ${mine.bic.toFixed(1)}` : 'BIC ?';
  const among = `${sel.length} fitted candidate${sel.length === 1 ? '' : 's'}`;
  if (mine !== undefined && mine.chosen === true) {
    const weight = typeof mine.weight === 'number' ? `, BIC weight ${pct(mine.weight)}` : '';
    return `${id}: ${selector}chosen by the likelihood (lowest BIC among the eligible of ${among}: ${bic}${weight})`;
  }
  const weight = typeof mine?.weight === 'number' ? `BIC weight ${pct(mine.weight)}` : 'weight ?';
  return `${id}: ${selector}a credible candidate swept beside the chosen ${String(chosen?.structure ?? '?')} (${bic}, ${weight} among ${among})`;
}
