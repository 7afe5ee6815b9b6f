/**
 * Logs (worker/common/log.ts): readable lines for a person at a terminal, JSON lines for everything
 * else, and JSON on a terminal when QUSOP_LOG_FORMAT=json.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, logFormat } from '../../worker/common/log.js';
import { captureStream } from '../kit/streams.js';

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

test('on a terminal: one readable line with time, level, component, message and fields', async () => {
  const out = captureStream(true);
  createLogger('worker', 'info', out.stream).warn({ retryInMs: 100 }, 'coordinator call failed; retrying');
  await flush();
  assert.match(out.text(), /^\[\d\d:\d\d:\d\d\] WARN: worker: coordinator call failed; retrying \{"retryInMs":100\}\n$/);
});

test('not a terminal: JSON lines with the ISO time, level number, component and fields', async () => {
  const out = captureStream(false);
  createLogger('coordinator', 'info', out.stream).info({ tiles: 3 }, 'run prepared');
  await flush();
  const line = JSON.parse(out.text()) as Record<string, unknown>;
  assert.equal(line['level'], 30);
  assert.equal(line['component'], 'coordinator');
  assert.equal(line['msg'], 'run prepared');
  assert.equal(line['tiles'], 3);
  assert.match(String(line['time']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
});

test('QUSOP_LOG_FORMAT=json keeps JSON on a terminal; the level still filters', async () => {
  const saved = process.env['QUSOP_LOG_FORMAT'];
  process.env['QUSOP_LOG_FORMAT'] = 'json';
  try {
    assert.equal(logFormat({ isTTY: true }), 'json');
    const out = captureStream(true);
    const log = createLogger('worker', 'warn', out.stream);
    log.info({}, 'dropped below the level');
    log.error({ tile: 't1' }, 'tile failed');
    await flush();
    const lines = out.text().trim().split('\n');
    assert.equal(lines.length, 1);
    assert.equal((JSON.parse(lines[0] ?? '') as Record<string, unknown>)['tile'], 't1');
  } finally {
    if (saved === undefined) delete process.env['QUSOP_LOG_FORMAT'];
    else process.env['QUSOP_LOG_FORMAT'] = saved;
  }
  assert.equal(logFormat({ isTTY: true }), 'pretty');
  assert.equal(logFormat({ isTTY: false }), 'json');
});
