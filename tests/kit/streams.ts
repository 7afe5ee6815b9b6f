/** A writable stream that keeps what is written to it, posing as a terminal or not (progress and log tests). */
import { Writable } from 'node:stream';

export interface CapturedStream {
  readonly stream: NodeJS.WriteStream;
  /** everything written so far */
  text(): string;
  /** the non-empty lines written so far */
  lines(): string[];
}

export function captureStream(isTTY: boolean): CapturedStream {
  const chunks: string[] = [];
  const writable = Object.assign(new Writable({ write(chunk: Buffer, _e, cb) { chunks.push(chunk.toString()); cb(); } }), { isTTY });
  const text = (): string => chunks.join('');
  return { stream: writable as unknown as NodeJS.WriteStream, text, lines: () => text().split('\n').filter((l) => l !== '') };
}
