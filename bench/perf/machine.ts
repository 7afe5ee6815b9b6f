/** The machine a benchmark ran on, recorded beside its figures (timings mean nothing without it). */
import { createRequire } from 'node:module';
import { cpus, freemem, hostname, loadavg, release, totalmem } from 'node:os';

export interface MachineInfo {
  readonly hostname: string;
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly node: string;
  readonly onnxruntimeNode: string;
  /** 1/5/15-minute load averages and free memory when sampled: other work on the machine shows here */
  readonly load: { readonly loadavg: readonly number[]; readonly freeGiB: number };
}

function version(pkg: string): string {
  try {
    return (createRequire(import.meta.url)(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function machineInfo(): MachineInfo {
  return {
    hostname: hostname(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    onnxruntimeNode: version('onnxruntime-node'),
    load: { loadavg: loadavg().map((x) => Number(x.toFixed(2))), freeGiB: Number((freemem() / 2 ** 30).toFixed(1)) },
  };
}
