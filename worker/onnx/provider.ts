/**
 * Execution providers behind one contract (STYLE.md 4): a session is created for `cpu` or `cuda`,
 * and `cuda` falls back to `cpu` with a single warn line when the CUDA provider cannot be loaded
 * (no GPU, or onnxruntime-node installed with `ONNXRUNTIME_NODE_INSTALL=skip`, which leaves out the
 * CUDA binaries — GPU hosts install without that flag). Results are identical across providers only
 * within one provider class; the tile identity includes the provider, not the host.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Logger } from '../common/log.js';

export type ExecutionProviderName = 'cpu' | 'cuda';

export interface CreatedSession {
  session: ort.InferenceSession;
  /** the provider actually in use (cpu after a cuda fallback) */
  executionProvider: ExecutionProviderName;
}

export async function createSessionWithProvider(
  modelBytes: Uint8Array,
  requested: ExecutionProviderName,
  options: Omit<ort.InferenceSession.SessionOptions, 'executionProviders'>,
  logger: Logger,
): Promise<CreatedSession> {
  const missing = requested === 'cuda' ? cudaLibraryMissing() : undefined;
  if (missing !== undefined) {
    logger.warn({ requested: 'cuda', using: 'cpu', reason: missing }, 'CUDA execution provider unavailable; falling back to CPU');
  } else if (requested === 'cuda') {
    try {
      // cpu after cuda: nodes CUDA has no kernel for (some int64 reductions) run on the host.
      const session = await ort.InferenceSession.create(modelBytes, { ...options, executionProviders: ['cuda', 'cpu'] });
      return { session, executionProvider: 'cuda' };
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      logger.warn({ requested: 'cuda', using: 'cpu', reason }, 'CUDA execution provider unavailable; falling back to CPU');
    }
  }
  const session = await ort.InferenceSession.create(modelBytes, { ...options, executionProviders: ['cpu'] });
  return { session, executionProvider: 'cpu' };
}

/**
 * Why CUDA cannot load, when that is visible without trying: onnxruntime prints its own error line
 * to stderr on a failed attempt, so a known-missing library is reported once, here, instead.
 * Undefined means "try it" (unknown layout, other platforms, or the library is present).
 */
function cudaLibraryMissing(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  let binDir: string;
  try {
    const main = createRequire(import.meta.url).resolve('onnxruntime-node');
    binDir = join(dirname(main), '..', 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return undefined;
  }
  const lib = join(binDir, 'libonnxruntime_providers_cuda.so');
  if (!existsSync(join(binDir, 'onnxruntime_binding.node')) || existsSync(lib)) return undefined;
  return `onnxruntime-node was installed without its CUDA binaries (${lib} not found; reinstall without ONNXRUNTIME_NODE_INSTALL=skip on GPU hosts)`;
}
