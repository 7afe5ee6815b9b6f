/**
 * Test kit: module hooks that turn the compiled worker into a faulty build, as seen in the field: the
 * same version string, but every cell reports k = n (all subjects successes). Loaded only through
 * faulty-build.ts (NODE_OPTIONS=--import); production code has no switch for it.
 */
interface LoadResult {
  format?: string;
  source?: string | ArrayBuffer | Uint8Array;
  shortCircuit?: boolean;
}
type NextLoad = (url: string, context: unknown) => Promise<LoadResult>;

const TARGET = '/dist/worker/tile-compute.js';
const HONEST = /k: totals\.k\[d\] \?\? 0,/;

export async function load(url: string, context: unknown, nextLoad: NextLoad): Promise<LoadResult> {
  const result = await nextLoad(url, context);
  if (!url.endsWith(TARGET) || result.source === undefined) return result;
  const source = typeof result.source === 'string' ? result.source : Buffer.from(result.source as Uint8Array).toString('utf8');
  if (!HONEST.test(source)) throw new Error(`faulty-build: ${url} no longer has the line this kit corrupts (${String(HONEST)}); update the kit`);
  return { ...result, source: source.replace(HONEST, 'k: M,') };
}
