/**
 * Parses a user's YAML file (scenario, and the spec and question files to come) into one document with
 * located errors: the file and line of the first problem and what was expected, never the parser's
 * hint about its own API. Refused: syntax errors, duplicate keys, a second document, and alias chains
 * that expand past the parser's limit (an "alias bomb").
 */
import { isCollection, LineCounter, parseDocument, visit, type Document } from 'yaml';
import { InputError } from './errors.js';

export interface YamlText {
  readonly doc: Document;
  readonly lines: LineCounter;
  /** the document as plain JS (null for an empty file) */
  readonly value: unknown;
}

/** The parser's limit on alias expansions (the yaml package's default; a shallow anchor reuse is far below it). */
const MAX_ALIAS_COUNT = 100;

export function parseYamlText(text: string, path: string): YamlText {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, merge: true, prettyErrors: false, uniqueKeys: true });
  const error = doc.errors[0];
  if (error !== undefined) {
    const line = lines.linePos(error.pos[0]).line;
    const at = (msg: string): InputError => new InputError(`${path}:${line}: ${msg}`, { details: { file: path, line } });
    if (error.code === 'DUPLICATE_KEY') {
      // the error's range covers only the key's first character; the key runs to its colon
      const key = /^("[^"]*"|'[^']*'|[^:\n]+?)\s*:/.exec(text.slice(error.pos[0]))?.[1] ?? text.slice(error.pos[0], error.pos[1]);
      throw at(`duplicate key ${JSON.stringify(key)}: each key may appear once in a mapping`);
    }
    if (error.code === 'MULTIPLE_DOCS') throw at('a second YAML document starts here; expected one document (remove the "---" separator)');
    throw at(`invalid YAML: ${error.message.split('\n')[0] ?? ''}`);
  }
  try {
    return { doc, lines, value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch (err) {
    if (!(err instanceof ReferenceError)) throw err;
    const line = firstAliasLine(doc, lines);
    throw new InputError(
      `${path}:${line}: YAML aliases expand to more than ${MAX_ALIAS_COUNT} copies (${err.message}); expected a file without nested alias chains`,
      { cause: err, details: { file: path, line } },
    );
  }
}

function firstAliasLine(doc: Document, lines: LineCounter): number {
  let line = 1;
  visit(doc, {
    Alias(_, node) {
      if (node.range !== undefined && node.range !== null) line = lines.linePos(node.range[0]).line;
      return visit.BREAK;
    },
  });
  return line;
}

/**
 * The line of the deepest YAML node that exists on `fieldPath` (keys first, so an unknown key points at
 * itself and a missing one at its parent): every located error about a YAML field uses it.
 */
export function lineOfPath(doc: Document, lines: LineCounter, fieldPath: readonly (string | number)[]): number {
  for (let depth = fieldPath.length; depth >= 0; depth -= 1) {
    const parent = depth === 0 ? doc.contents : doc.getIn(fieldPath.slice(0, depth - 1), true);
    const key = fieldPath[depth - 1];
    if (depth > 0 && isCollection(parent)) {
      const pair = (parent.items as { key?: { value?: unknown; range?: [number, number, number] } }[]).find(
        (it, i) => (it.key !== undefined ? it.key.value === key : i === key),
      );
      const range = pair?.key?.range ?? (parent.get(key, true) as { range?: [number, number, number] } | undefined)?.range;
      if (range !== undefined) return lines.linePos(range[0]).line;
    }
    if (depth === 0) {
      const range = (doc.contents as { range?: [number, number, number] } | null)?.range;
      return range === undefined ? 1 : lines.linePos(range[0]).line;
    }
  }
  return 1;
}
