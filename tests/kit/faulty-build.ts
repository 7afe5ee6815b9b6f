/**
 * Test kit: `NODE_OPTIONS="--import <this file>"` makes a `qusop worker` process a faulty build (see
 * faulty-build-hooks.ts): deterministic within itself, wrong against any honest worker. Never import
 * it from a test process: it would corrupt that process too (tests name its path instead).
 */
import { register } from 'node:module';

register('./faulty-build-hooks.js', import.meta.url);
