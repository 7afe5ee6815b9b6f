/**
 * Subject IDs. NONMEM reads ID as a number (1 and 01 are one subject); files written by R, SAS or CDISC
 * tools often carry text IDs instead (`S-01`, `101-003`), which nlmixr2 and Monolix accept. qusop reads
 * either, never both in one file (a text ID among numbers is more likely a typo than a subject), and
 * numbers text IDs 1..n in the order subjects appear: the fit's tables and messages use those numbers,
 * and `qusop data` prints the first and last so a user can map them back.
 */
import { inputError } from './schema.js';

/** A numeric ID as parseRecord canonicalises it (String of an integer >= 0). */
const NUMERIC = /^\d+$/;
export const isTextId = (id: string): boolean => !NUMERIC.test(id);

/** Every record's ID of one kind (all numbers or all text); a located error at the first that differs. */
export function checkIdKinds(records: readonly { readonly id: string; readonly line: number }[], file: string, column: string): void {
  const first = records[0];
  if (first === undefined) return;
  const text = isTextId(first.id);
  const odd = records.find((r) => isTextId(r.id) !== text);
  if (odd === undefined) return;
  throw inputError({
    file, line: odd.line, column,
    expected: `${text ? 'a text ID' : 'a number'}, as every other ID of the file (line ${first.line}: '${first.id}'; IDs are all numbers, as NONMEM reads them, or all text)`,
    found: `'${odd.id}'`,
  });
}

/** Each subject's number: its ID when IDs are numbers, else its place (1..n) in the file. */
export function subjectNumbers(ids: readonly string[]): number[] {
  return ids.some(isTextId) ? ids.map((_, i) => i + 1) : ids.map(Number);
}

/** The summary's line for text IDs (undefined for numbers). */
export function textIdLine(ids: readonly string[]): string | undefined {
  if (!ids.some(isTextId)) return undefined;
  const n = ids.length;
  return `ID: text IDs, numbered 1-${n} in the order subjects appear ('${ids[0]}' is 1${n > 1 ? `, '${ids[n - 1]}' is ${n}` : ''}): fit tables and messages name subjects by these numbers`;
}
