/**
 * The one place tfjs is loaded: the pure-JS cpu backend (no native binaries to download; single-
 * threaded, hence deterministic), production mode (no "install tfjs-node" banner, no debug checks).
 * Everything in models/sequence imports `tf` from here after awaiting `readyTf()`.
 */
import * as tf from '@tensorflow/tfjs';

export { tf };

let ready: Promise<void> | undefined;

export function readyTf(): Promise<void> {
  ready ??= (async () => {
    tf.enableProdMode();
    await tf.setBackend('cpu');
    await tf.ready();
  })();
  return ready;
}
