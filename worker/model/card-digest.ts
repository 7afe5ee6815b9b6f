/**
 * The identity of a model card's content, for run ids (DESIGN.md "Run"). Every fitted population model
 * has the same ONNX bytes (the fitted numbers travel as the card's theta draws), so the card's sha256
 * field alone cannot tell two fits apart: the run id hashes this digest beside the ONNX sha256.
 */
import { createHash } from 'node:crypto';
import type { ModelCard } from './card.js';

/** JSON with object keys sorted at every depth, so equal content gives equal bytes whatever the key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/**
 * sha256 of the card's canonical JSON (schema defaults applied) without `diagnostics.timings_ms`.
 * Only that field is left out: it holds wall-clock timings of the fit, so two fits of the same data
 * with the same seed differ there and nowhere else, and the same submission must stay the same run
 * (resume). Everything else counts, provenance and diagnostics included: a false "different run"
 * costs a recomputation, a false "same run" reports another model's answers.
 */
export function cardDigest(card: ModelCard): string {
  const diagnostics = Object.fromEntries(Object.entries(card.diagnostics).filter(([k]) => k !== 'timings_ms'));
  return createHash('sha256').update(canonicalJson({ ...card, diagnostics })).digest('hex');
}
