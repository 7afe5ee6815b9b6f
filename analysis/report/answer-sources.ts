/**
 * Where each model's answers came from (issue 20: "the report shows which uncertainty source and which
 * selector produced an answer"): per model, the structure and what chose it (the likelihood over the fit's
 * candidates, a learned selector's shortlist first, or nothing on record) and the parameter-uncertainty
 * source (Fisher-information draws, an HMC posterior with its diagnostics, or none), from the model notes.
 * Shown for every run, one model or several.
 */
import type { ModelNote } from '../answer/model-notes.js';
import { mdTable, section, table } from './html-kit.js';

const HEADER = ['model', 'structure: what chose it', 'parameter uncertainty: source'];
const row = (n: ModelNote): string[] => [n.model, n.structure, n.parameter_uncertainty];
const INTRO = 'Which structure each model uses and what chose it, and where its parameter-uncertainty draws come from (the bands and intervals above depend on both).';

export function answerSourcesHtml(notes: readonly ModelNote[] | undefined): string {
  if (notes === undefined || notes.length === 0) return '';
  return section('sources', 'How the answers were obtained', table(HEADER, notes.map(row)), INTRO);
}

export function answerSourcesMarkdown(notes: readonly ModelNote[] | undefined): string[] {
  if (notes === undefined || notes.length === 0) return [];
  return ['## How the answers were obtained', '', INTRO, '', mdTable(HEADER, notes.map(row)), ''];
}
