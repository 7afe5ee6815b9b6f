/** Reading users' text files (encodings, YAML shapes) and showing their probabilities (issue 17 items 12, 14). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeText } from '../../worker/common/text-file.js';
import { parseYamlText } from '../../worker/common/yaml-text.js';
import { percentLabel } from '../../coordinator/scenario/percent.js';

test('a target is shown with the digits it has: 0.9999999999 is not "100 %", 0.9 is "90 %"', () => {
  assert.equal(percentLabel(0.9999999999), '99.99999999 %');
  assert.equal(percentLabel(0.9), '90 %');
  assert.equal(percentLabel(0.75), '75 %');
  assert.equal(percentLabel(0.975), '97.5 %');
  assert.equal(percentLabel(0.95), '95 %');
  assert.notEqual(percentLabel(0.9999999999), percentLabel(1 - 1e-12 + 1e-12));
});

test('UTF-8 text decodes; a UTF-8 byte-order mark is dropped; a U+FFFD written in the file is text', () => {
  assert.equal(decodeText(Buffer.from('ID,TIME\n1,0\n'), 'f.csv', 'trial CSV'), 'ID,TIME\n1,0\n');
  assert.equal(decodeText(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('ID\n')]), 'f.csv', 'trial CSV'), 'ID\n');
  assert.equal(decodeText(Buffer.from('a\n\uFFFD b\n'), 'f.csv', 'trial CSV'), 'a\n\uFFFD b\n');
});

test('an invalid UTF-8 byte is located by line and byte offset, also after a byte-order mark and a written U+FFFD', () => {
  const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('x\n\uFFFD\ny'), Buffer.from([0xe9]), Buffer.from('\n')]);
  assert.throws(() => decodeText(bytes, 'f.csv', 'trial CSV'), /^InputError: f\.csv:3: the trial CSV is not valid UTF-8 \(byte 10 is 0xe9\)/);
});

test('UTF-16 and UTF-32 are named, with or without a byte-order mark', () => {
  const utf16be = Buffer.from('ID\n', 'utf16le').swap16();
  assert.throws(() => decodeText(utf16be, 'f.csv', 'trial CSV'), /f\.csv:1: .*UTF-16BE/);
  assert.throws(() => decodeText(Buffer.from([0xff, 0xfe, 0, 0, 0x49, 0, 0, 0]), 'f.csv', 'trial CSV'), /UTF-32LE text \(byte-order mark\)/);
  assert.throws(() => decodeText(Buffer.from([0xfe, 0xff, 0, 0x49]), 'f.csv', 'trial CSV'), /UTF-16BE text \(byte-order mark\)/);
});

test('YAML errors carry the real line: syntax, duplicate key, second document', () => {
  assert.throws(() => parseYamlText('a: 1\nb: [2\n', 'q.yaml'), /^InputError: q\.yaml:[23]: invalid YAML/);
  assert.throws(() => parseYamlText('a: 1\nb: 2\n"a" : 3\n', 'q.yaml'), /^InputError: q\.yaml:3: duplicate key "\\?"?a/);
  assert.throws(() => parseYamlText('a: 1\n---\nb: 2\n', 'q.yaml'), /^InputError: q\.yaml:2: a second YAML document starts here/);
  assert.deepEqual(parseYamlText('base: &b {x: 1}\nuse: {<<: *b, y: 2}\n', 'q.yaml').value, { base: { x: 1 }, use: { x: 1, y: 2 } });
});
