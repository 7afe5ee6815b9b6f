/** The code version that goes into run ids, shard provenance and manifests: the package version. */
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest ancestor holding qusop's package.json (works from src and dist). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate) && (JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string }).name === 'qusop') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('qusop package.json not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

let cached: string | undefined;
export function codeVersion(): string {
  cached ??= `qusop/${(JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version}`;
  return cached;
}
