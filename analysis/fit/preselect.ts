/**
 * `qusop fit --preselect transformer` (issue 20 item 1): before the likelihood fits, the learned
 * selector (models/selector) reads the concentrations and shortlists the default PK structures
 * (probability >= SHORTLIST_CUT, at least the SHORTLIST_MIN most probable); only the shortlisted
 * candidates are fitted. On a PK/PD trial the shortlist's compartment counts keep the PK/PD candidates
 * of those counts (the PK stage then runs on what is left). SAEM starts each shortlisted PK structure
 * from the selector's regressed typical values (candidate-fit.ts `start`). The record (fit.json `preselect`, a
 * report section) says what the selector proposed, with its regressed typical values, and what the
 * likelihood then chose.
 */
import type { Trial } from '../../models/ingest/trial.js';
import { structureById, type Structure, type StructureId } from '../../models/structures/structure.js';
import { readSelector } from '../../models/selector/weights-file.js';
import { proposeStructures, SHORTLIST_CUT, SHORTLIST_MIN, type SelectorProposal } from '../../models/selector/shortlist.js';

export const PRESELECT_METHODS = ['transformer'] as const;
export type PreselectMethod = (typeof PRESELECT_METHODS)[number];

export interface PreselectOptions {
  readonly method: PreselectMethod;
  /** folder (or selector.json) of the weights */
  readonly selector: string;
}

export interface Preselection {
  readonly proposal: SelectorProposal;
  /** the candidates left to fit, in the library's order */
  readonly structures: readonly Structure[];
  readonly summary: string;
}

export async function preselect(trial: Trial, candidates: readonly Structure[], o: PreselectOptions): Promise<Preselection> {
  const proposal = await proposeStructures(await readSelector(o.selector), trial);
  const ids = new Set<string>(proposal.shortlist);
  const counts = new Set(proposal.shortlist.map((id) => structureById(id).compartments));
  // PK-only: the shortlisted structures themselves; PK/PD: the candidates whose PK body was shortlisted
  const kept = candidates.filter((s) => (s.pd ? counts.has(s.compartments) : ids.has(s.id)));
  const structures = kept.length > 0 ? kept : candidates;
  const probs = proposal.probabilities.map((c) => `${c.structure} ${c.p.toFixed(3)}`).join(', ');
  const dropped = candidates.filter((s) => !structures.includes(s)).map((s) => s.id);
  return { proposal, structures, summary: `preselect (transformer, ${proposal.weights.path}): ${probs}; shortlist ${proposal.shortlist.join(', ')}${dropped.length === 0 ? '' : `; not fitted: ${dropped.join(', ')}`}` };
}

/**
 * fit.json's `preselect`, the report's section, and the cards' `provenance.selector` (what the answer report
 * names as the selector: analysis/answer/structure-source.ts), once the likelihood has chosen.
 */
export function preselectRecord(p: Preselection, chosen: StructureId | undefined): { record: unknown; markdown: string[]; provenance: Record<string, unknown> } {
  const { proposal } = p;
  const among = chosen !== undefined && p.structures.some((s) => s.id === chosen);
  const record = {
    method: 'transformer',
    weights: proposal.weights,
    rule: { cut: SHORTLIST_CUT, at_least: SHORTLIST_MIN },
    probabilities: proposal.probabilities,
    shortlist: proposal.shortlist,
    fitted: p.structures.map((s) => s.id),
    typical_values: proposal.typicalValues,
    likelihood_chose: chosen ?? null,
  };
  const f = (x: number): string => String(Number(x.toPrecision(3)));
  const markdown = [
    '## Preselection (learned selector)',
    '',
    `The Transformer selector (\`${proposal.weights.path}\`, weights sha256 ${proposal.weights.sha256.slice(0, 12)}) gave ${proposal.probabilities.map((c) => `${c.structure} ${f(c.p)}`).join(', ')}; shortlist (p >= ${SHORTLIST_CUT}, at least the ${SHORTLIST_MIN} most probable): ${proposal.shortlist.join(', ')}. Fitted: ${p.structures.map((s) => s.id).join(', ')}.`,
    '',
    ...proposal.shortlist.map((id) => `- ${id}: regressed typical values ${Object.entries(proposal.typicalValues[id] ?? {}).map(([k, v]) => `${k} ${f(v)}`).join(', ')} (70 kg; SAEM started from them, Omega and residual error from the data)`),
    '',
    `The likelihood (BIC) then chose: ${chosen ?? 'none (no eligible candidate)'}${chosen === undefined ? '' : among ? ', among the shortlist' : ''}.`,
    '',
  ];
  const provenance = { method: 'transformer', weights: proposal.weights, shortlist: proposal.shortlist, fitted: p.structures.map((s) => s.id) };
  return { record, markdown, provenance };
}
