/**
 * Two places start the CLI by path instead of importing it: the local launcher (`qusop run` starts
 * `main.js worker` processes) and SLURM submission (the default command in the sbatch scripts). Both
 * must name the built CLI, wherever the layout puts it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { cliEntry } from '../../coordinator/local/launcher.js';
import { defaultQusopCommand } from '../../coordinator/slurm/submit.js';
import { shQuote } from '../../coordinator/slurm/templates.js';

const isCli = (path: string): boolean => existsSync(path) && readFileSync(path, 'utf8').startsWith('#!/usr/bin/env node\n');

test("the local launcher's worker entry is the built CLI", () => {
  assert.ok(isCli(cliEntry()), `${cliEntry()} is the compiled qusop CLI`);
});

test("SLURM scripts' default qusop command runs this node on the built CLI", () => {
  const command = defaultQusopCommand();
  assert.ok(command.startsWith(shQuote(process.execPath) + ' '), command);
  assert.equal(command, `${shQuote(process.execPath)} ${shQuote(cliEntry())}`);
});
