/**
 * Issue 17, item 16: onnxruntime-node's install flag is its installer's environment variable, set by
 * the set-up command, CI and the image's build stage, not an `.npmrc` key (npm warns that unknown
 * project config keys "will stop working in the next major version").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../../worker/common/version.js';

const ROOT = packageRoot();

test('npm reads the project without a config warning', async () => {
  // strip the npm_config_* variables `npm test` passes down, so only the project's own config counts
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  const { stdout, stderr } = await promisify(execFile)('npm', ['pkg', 'get', 'name'], { cwd: ROOT, env });
  assert.equal(stdout.trim(), '"qusop"');
  assert.doesNotMatch(stderr, /npm warn/i, `npm warned:\n${stderr}`);
});

test('the set-up command, CI and the image build skip the CUDA download through the environment variable', async () => {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  assert.match(readme, /^ONNXRUNTIME_NODE_INSTALL=skip npm ci && npm start/m);
  const ci = await readFile(join(ROOT, '.ci', 'run'), 'utf8');
  const ciExport = ci.indexOf('export ONNXRUNTIME_NODE_INSTALL=skip');
  assert.ok(ciExport >= 0 && ciExport < ci.indexOf('npm ci'), '.ci/run exports the variable before npm ci');
  const dockerfile = await readFile(join(ROOT, 'deploy', 'Dockerfile'), 'utf8');
  const env = dockerfile.indexOf('ENV ONNXRUNTIME_NODE_INSTALL=skip');
  assert.ok(env >= 0 && env < dockerfile.indexOf('RUN npm ci'), 'the build stage sets the variable before npm ci');
  assert.doesNotMatch(dockerfile, /\.npmrc/);
});
