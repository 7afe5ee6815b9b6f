/**
 * Reads a user's text file (trial CSV, scenario or spec YAML) as UTF-8, and names the encoding when it
 * is not: a UTF-16/UTF-32 file (as spreadsheet tools export) or latin-1 bytes would otherwise be
 * decoded into mojibake and reported as a confusing column or key error. A UTF-8 byte-order mark is
 * dropped.
 */
import { readFile } from 'node:fs/promises';
import { InputError } from './errors.js';

const BOMS: readonly { readonly bytes: readonly number[]; readonly encoding: string }[] = [
  { bytes: [0xff, 0xfe, 0x00, 0x00], encoding: 'UTF-32LE' },
  { bytes: [0x00, 0x00, 0xfe, 0xff], encoding: 'UTF-32BE' },
  { bytes: [0xff, 0xfe], encoding: 'UTF-16LE' },
  { bytes: [0xfe, 0xff], encoding: 'UTF-16BE' },
];

/** `what` says what the file should be, e.g. "trial CSV" or "scenario file". */
export async function readTextFile(path: string, what: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new InputError(`${path}: cannot read ${what} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err, details: { file: path } });
  }
  return decodeText(bytes, path, what);
}

export function decodeText(bytes: Uint8Array, path: string, what: string): string {
  const convert = (encoding: string): string => `convert it to UTF-8 (e.g. iconv -f ${encoding} -t UTF-8)`;
  const bom = BOMS.find((b) => b.bytes.every((x, i) => bytes[i] === x));
  if (bom !== undefined) {
    throw new InputError(`${path}:1: the ${what} is ${bom.encoding} text (byte-order mark); expected UTF-8: ${convert(bom.encoding)}`, {
      details: { file: path, line: 1, expected: 'UTF-8', found: bom.encoding },
    });
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    // UTF-16 without a byte-order mark: every other byte of ASCII text is NUL
    const encoding = nul % 2 === 1 ? 'UTF-16LE' : 'UTF-16BE';
    const line = lineAt(bytes, nul);
    throw new InputError(`${path}:${line}: the ${what} contains NUL bytes (byte ${nul}); it looks like ${encoding} text, expected UTF-8: ${convert(encoding)}`, {
      details: { file: path, line, expected: 'UTF-8', found: encoding },
    });
  }
  // ignoreBOM: false drops a leading UTF-8 byte-order mark from the text
  const text = new TextDecoder('utf-8', { ignoreBOM: false }).decode(bytes);
  const skipped = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  for (let bad = text.indexOf('\uFFFD'); bad >= 0; bad = text.indexOf('\uFFFD', bad + 1)) {
    // the text before `bad` decoded cleanly, so its UTF-8 length is this character's byte offset
    const at = skipped + Buffer.byteLength(text.slice(0, bad));
    if (isEncodedReplacement(bytes, at)) continue;
    const line = lineAt(bytes, at);
    throw new InputError(
      `${path}:${line}: the ${what} is not valid UTF-8 (byte ${at} is 0x${(bytes[at] ?? 0).toString(16).padStart(2, '0')}); expected UTF-8: if it is latin-1 or Windows-1252, ${convert('WINDOWS-1252')}`,
      { details: { file: path, line, expected: 'UTF-8', found: 'invalid UTF-8' } },
    );
  }
  return text;
}

function lineAt(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i += 1) if (bytes[i] === 0x0a) line += 1;
  return line;
}

/** A U+FFFD written in the file itself (EF BF BD) is text, not a decoding failure. */
function isEncodedReplacement(bytes: Uint8Array, at: number): boolean {
  return bytes[at] === 0xef && bytes[at + 1] === 0xbf && bytes[at + 2] === 0xbd;
}
