/** The CLI's numeric option check: integers vs numbers, bounds, text that is not a number, the message, and ranges that match their consumers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../../worker/common/errors.js';
import { compileCoordinatorOptions } from '../../coordinator/server/options.js';
import { checkNumber, CORES, intOption, LEASE_MS, LOCAL_WORKERS, numberOption, SEED } from '../../cli/number-options.js';

const rejects = (f: (v: unknown) => number, value: unknown, message: string): void => {
  assert.throws(() => f(value), (err: unknown) => {
    assert.ok(err instanceof InputError, `an InputError, got ${String(err)}`);
    assert.equal(err.message, message);
    return true;
  });
};

test('an integer option accepts whole numbers in range, given as numbers or text', () => {
  const workers = checkNumber('workers', true, { min: 1, max: 8 });
  for (const v of [1, 4, 8]) assert.equal(workers(v), v);
  assert.equal(workers('3'), 3);
  assert.equal(workers('0x8'), 8);
});

test('an integer option rejects bounds, fractions, text and repeats, naming the option, the range and the value', () => {
  const workers = checkNumber('workers', true, { min: 1, max: 8 });
  rejects(workers, 0, '--workers: expected an integer from 1 to 8, got 0');
  rejects(workers, 9, '--workers: expected an integer from 1 to 8, got 9');
  rejects(workers, 400_000, '--workers: expected an integer from 1 to 8, got 400000');
  rejects(workers, 1.5, '--workers: expected an integer from 1 to 8, got 1.5');
  rejects(workers, 'abc', '--workers: expected an integer from 1 to 8, got abc');
  rejects(workers, Number.NaN, '--workers: expected an integer from 1 to 8, got NaN');
  rejects(workers, '', '--workers: expected an integer from 1 to 8, got an empty value');
  rejects(workers, ' ', '--workers: expected an integer from 1 to 8, got an empty value');
  rejects(workers, [1, 2], '--workers: expected an integer from 1 to 8, got 1 and 2 (the option given 2 times)');
  const threads = checkNumber('threads', true, { min: 1 });
  rejects(threads, 'abc', '--threads: expected an integer >= 1, got abc');
  rejects(threads, Number.POSITIVE_INFINITY, '--threads: expected an integer >= 1, got Infinity');
  rejects(threads, 2 ** 53, `--threads: expected an integer >= 1, got ${2 ** 53}`);
});

test('a number option takes fractions; an exclusive bound and the reason read in the message', () => {
  const minutes = checkNumber('max-minutes', false, { min: 0, exclusiveMin: true });
  assert.equal(minutes(0.5), 0.5);
  rejects(minutes, 0, '--max-minutes: expected a number > 0, got 0');
  const factor = checkNumber('backup-factor', false, { min: 1, max: 1000, why: "the scheduler's bounds" });
  assert.equal(factor('1.5'), 1.5);
  rejects(factor, 0.5, "--backup-factor: expected a number from 1 to 1000 (the scheduler's bounds), got 0.5");
  const timeout = checkNumber('timeout-s', false, { min: 0, max: 10 });
  assert.equal(timeout(0), 0);
  rejects(timeout, -1, '--timeout-s: expected a number from 0 to 10, got -1');
});

test('intOption / numberOption: one value, the range in --help, the default kept and checked', () => {
  const [name, o] = intOption('threads', { min: 1 }, { default: 1, describe: 'onnxruntime threads' });
  assert.equal(name, 'threads');
  assert.equal(o.default, 1);
  assert.equal(o.nargs, 1);
  assert.equal(o.describe, 'onnxruntime threads [integer >= 1]');
  assert.equal(o.coerce(o.default), 1);
  rejects(o.coerce, 0, '--threads: expected an integer >= 1, got 0');
  const [, m] = numberOption('max-minutes', { min: 0, exclusiveMin: true }, {});
  assert.equal(m.describe, '[number > 0]');
  rejects(m.coerce, -2, '--max-minutes: expected a number > 0, got -2');
});

test('ranges match their consumers: seeds are uint32, the lease fits a heartbeat, local workers a few per core', () => {
  const seed = checkNumber('seed', true, SEED);
  assert.equal(seed(0), 0);
  assert.equal(seed(0xffff_ffff), 0xffff_ffff);
  rejects(seed, 2 ** 32, '--seed: expected an integer from 0 to 4294967295 (seeds are unsigned 32-bit Philox keys), got 4294967296');
  // the coordinator's own rule (heartbeat < lease, heartbeat = max(200, lease/5)) draws the same line
  const coordinator = (leaseMs: number) => compileCoordinatorOptions({ token: 'x'.repeat(16), leaseMs, heartbeatMs: Math.max(200, Math.floor(leaseMs / 5)) });
  assert.equal(LEASE_MS.min, 201);
  assert.doesNotThrow(() => coordinator(201));
  assert.throws(() => coordinator(200), /heartbeatMs \(200\) must be < leaseMs \(200\)/);
  assert.ok(CORES >= 1);
  assert.equal(LOCAL_WORKERS.max, 4 * CORES);
  assert.equal(checkNumber('workers', true, LOCAL_WORKERS)(CORES), CORES, 'the default, one per core, is in range');
});
