#!/usr/bin/env python3
"""The PyTorch peer of qusop's BiLSTM trajectory model (issue 7, part 1e).

Runs the network of models/sequence-estdata/bilstm-*.onnx (weights handed over in a JSON file by
bench/peer/torch-peer.ts) as torch.nn.LSTM(bidirectional=True) and does the same work per trajectory as
qusop's worker: z-scored features exactly as the ONNX graph computes them, the BiLSTM, dense(D, relu),
dense(1), inverse z-scaling to PD (ng/mL), then per trajectory the max over the grid, the count of
maxima <= threshold and the sum of maxima. Timing starts from float32 (dose, bw, comed) tensors, like a
raw ONNX session run. Prints ONE JSON object on stdout; see bench/peer/README.md.

Usage: /usr/bin/python3 bench/peer/bilstm_peer.py SPEC.json   (stdlib + torch + numpy only)
"""
import ctypes
import json
import multiprocessing
import os
import queue
import statistics
import sys
import time

import numpy as np
import torch

# torch gate blocks (i, f, g, o) taken from the ONNX blocks (i, o, f, c).
TORCH_FROM_ONNX_GATE = [0, 2, 3, 1]
MAX_REPS = 200


def gates_to_torch(a, hidden):
    """ONNX [4H, ...] gate-major rows -> torch order."""
    return np.concatenate([a[g * hidden:(g + 1) * hidden] for g in TORCH_FROM_ONNX_GATE])


def f32(values, shape=None):
    a = np.asarray(values, dtype=np.float32)
    return torch.from_numpy(a.reshape(shape) if shape is not None else a).contiguous()


class BiLstmPeer(torch.nn.Module):
    def __init__(self, s):
        super().__init__()
        H, D, I = s["hidden"], s["dense"], s["inputs"]
        self.lstm = torch.nn.LSTM(I, H, bidirectional=True)
        self.dense1 = torch.nn.Linear(2 * H, D)
        self.dense2 = torch.nn.Linear(D, 1)
        W = np.asarray(s["lstmW"], np.float32).reshape(2, 4 * H, I)
        R = np.asarray(s["lstmR"], np.float32).reshape(2, 4 * H, H)
        B = np.asarray(s["lstmB"], np.float32).reshape(2, 8 * H)  # per direction [Wb, Rb]
        with torch.no_grad():
            for d, suffix in enumerate(["", "_reverse"]):
                getattr(self.lstm, "weight_ih_l0" + suffix).copy_(f32(gates_to_torch(W[d], H)))
                getattr(self.lstm, "weight_hh_l0" + suffix).copy_(f32(gates_to_torch(R[d], H)))
                getattr(self.lstm, "bias_ih_l0" + suffix).copy_(f32(gates_to_torch(B[d, :4 * H], H)))
                getattr(self.lstm, "bias_hh_l0" + suffix).copy_(f32(gates_to_torch(B[d, 4 * H:], H)))
            # ONNX: sum over directions of Y[dir] @ kernel[dir]; torch's output is [Y_fwd, Y_bwd] on the last axis.
            kernel = np.asarray(s["dense1Kernel"], np.float32).reshape(2 * H, D)
            self.dense1.weight.copy_(f32(kernel.T))
            self.dense1.bias.copy_(f32(s["dense1Bias"]))
            self.dense2.weight.copy_(f32(s["dense2Kernel"], (1, D)))
            self.dense2.bias.copy_(f32(s["dense2Bias"]))
        # Features and scalings as float32 tensors, so every op runs in float32 like the ONNX graph.
        self.register_buffer("t_feature", f32(s["tFeature"], (-1, 1, 1)))
        for name in ("dosePerKg", "comed", "pd"):
            self.register_buffer(name + "_mean", f32(s[name]["mean"]))
            self.register_buffer(name + "_sd", f32(s[name]["sd"]))

    def forward(self, dose, bw, comed):
        """pd [B, T] in ng/mL."""
        T, B = self.t_feature.shape[0], dose.shape[0]
        dose_z = (dose / bw - self.dosePerKg_mean) / self.dosePerKg_sd
        comed_z = (comed - self.comed_mean) / self.comed_sd
        x = torch.cat([self.t_feature.expand(T, B, 1), dose_z.view(1, B, 1).expand(T, B, 1),
                       comed_z.view(1, B, 1).expand(T, B, 1)], dim=2)
        y, _ = self.lstm(x)  # [T, B, 2H]
        z = self.dense2(torch.relu(self.dense1(y))).squeeze(2)  # [T, B]
        return (z * self.pd_sd + self.pd_mean).t()


def reduce_pd(pd, threshold):
    """The worker's reduction: per trajectory max over the grid; count of max <= threshold; sum of maxima."""
    mx = pd.amax(dim=1)
    return int((mx <= threshold).sum()), float(mx.double().sum())


def step(model, inputs, threshold):
    return reduce_pd(model(*inputs), threshold)


def random_inputs(batch, seed):
    """Doses 0-400 mg, BW 40-140 kg, COMED 0/1: float32 contiguous, made before any timing."""
    rng = np.random.default_rng(seed)
    return (f32(rng.uniform(0, 400, batch)), f32(rng.uniform(40, 140, batch)), f32(rng.integers(0, 2, batch)))


def time_batches(model, inputs, threshold, min_seconds, barrier=None):
    """(wall, CPU) seconds per batch: warm-up (>= 1 run, ~0.2 s), then >= 3 timed runs filling min_seconds.
    CPU time (all threads of this process) does not count time spent descheduled by other load."""
    with torch.inference_mode():
        start = time.perf_counter()
        step(model, inputs, threshold)
        while time.perf_counter() - start < 0.2:
            step(model, inputs, threshold)
        if barrier is not None:
            barrier.wait(timeout=600)
        times, start = [], time.perf_counter()
        while len(times) < 3 or (time.perf_counter() - start < min_seconds and len(times) < MAX_REPS):
            t0, c0 = time.perf_counter(), time.process_time()
            step(model, inputs, threshold)
            times.append((time.perf_counter() - t0, time.process_time() - c0))
    return times


def set_blas_threads(n):
    """OpenBLAS reads OPENBLAS_NUM_THREADS at load; its API changes it in-process. No-op for other BLAS."""
    lib = loaded_library("libopenblas")
    if lib is not None:
        ctypes.CDLL(lib).openblas_set_num_threads(int(n))


def loaded_library(fragment):
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1]
            if fragment in os.path.basename(path):
                return path
    return None


def blas_description():
    """What torch's libblas.so.3 actually resolved to in this process (LD_LIBRARY_PATH or alternatives)."""
    openblas = loaded_library("libopenblas")
    if openblas is not None:
        lib = ctypes.CDLL(openblas)
        lib.openblas_get_config.restype = ctypes.c_char_p
        lib.openblas_get_num_threads.restype = ctypes.c_int
        lib.openblas_get_corename.restype = ctypes.c_char_p  # the kernels dynamic dispatch (or OPENBLAS_CORETYPE) chose
        return "%s; %s kernels; %d thread(s) (%s)" % (lib.openblas_get_config().decode().strip(), lib.openblas_get_corename().decode(),
                                                      lib.openblas_get_num_threads(), openblas)
    return "not OpenBLAS (%s)" % (loaded_library("libblas") or "no libblas loaded")


def process_main(spec, batch, threads, blas_threads, barrier, results):
    torch.set_num_threads(threads)
    set_blas_threads(blas_threads)
    model = BiLstmPeer(spec).eval()
    times = time_batches(model, random_inputs(batch, spec["seed"] + batch), spec["thresholdNgMl"], spec["minSeconds"], barrier)
    results.put(times)


def run_processes(spec, batch, threads, blas_threads, processes):
    """processes concurrent copies (spawned: forking after torch's OpenMP pool started can hang)."""
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(processes), ctx.Queue()
    procs = [ctx.Process(target=process_main, args=(spec, batch, threads, blas_threads, barrier, results)) for _ in range(processes)]
    for p in procs:
        p.start()
    per_process = []
    while len(per_process) < processes:
        try:
            per_process.append(results.get(timeout=1))
        except queue.Empty:
            failed = [p.exitcode for p in procs if p.exitcode not in (None, 0)]
            if failed:  # a dead child would leave its siblings at the barrier and this loop waiting forever
                for p in procs:
                    p.terminate()
                raise RuntimeError("peer process exited with %s" % failed[0])
    for p in procs:
        p.join()
    return per_process


def main(spec_path):
    with open(spec_path) as fh:
        spec = json.load(fh)
    threshold = float(np.float32(spec["thresholdNgMl"]))
    spec.setdefault("minSeconds", 1.0)
    spec.setdefault("seed", 20240607)
    default_threads = torch.get_num_threads()
    model = BiLstmPeer(spec).eval()
    T = model.t_feature.shape[0]

    c = spec["check"]
    with torch.inference_mode():  # (an empty check batch gives pd [], k 0, sumMax 0)
        pd = model(f32(c["dose"]), f32(c["bw"]), f32(c["comed"]))
        k, sum_max = reduce_pd(pd, threshold)
        check = {"pd": pd.numpy().astype(np.float64).tolist(), "k": k, "sumMax": sum_max}

    runs = []
    for batch in spec["batches"]:
        for blas_threads in spec.get("blasThreads", [1]):
            for threads in spec["threads"]:
                for processes in spec.get("processes", [1]):
                    if processes > 1 and max(threads, blas_threads) * processes > os.cpu_count():
                        continue  # oversubscribed: never the peer's best, only noise for the others (one process always runs)
                    if processes == 1:
                        torch.set_num_threads(threads)
                        set_blas_threads(blas_threads)
                        per_process = [time_batches(model, random_inputs(batch, spec["seed"] + batch), threshold, spec["minSeconds"])]
                    else:
                        per_process = run_processes(spec, batch, threads, blas_threads, processes)
                    walls = [[w for w, _ in t] for t in per_process]
                    cpus = [c for t in per_process for _, c in t]
                    medians = [statistics.median(w) for w in walls]
                    runs.append({
                        "T": T, "batch": batch, "threads": threads, "blasThreads": blas_threads, "processes": processes,
                        # machine throughput: the concurrent processes' rates add up
                        "trajPerS": sum(batch / m for m in medians),
                        "medianMs": 1000 * statistics.median([x for w in walls for x in w]),
                        # the fastest run: what the machine gives when nothing else interferes (it is shared)
                        "minMs": 1000 * min(x for w in walls for x in w),
                        # CPU time per batch of one process (all its threads); with 1 thread, cores x batch / cpuMs is
                        # what the machine gives with nothing else running
                        "cpuMs": 1000 * statistics.median(cpus),
                        "reps": len(cpus),
                    })
                    print("peer: T=%d B=%d threads=%d blas=%d processes=%d: %.0f traj/s" % (
                        T, batch, threads, blas_threads, processes, runs[-1]["trajPerS"]), file=sys.stderr, flush=True)

    torch.set_num_threads(default_threads)
    set_blas_threads(1)
    out = {"torch": torch.__version__, "numThreads": default_threads, "blas": blas_description(), "check": check, "runs": runs}
    print(json.dumps(out))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: bilstm_peer.py SPEC.json")
    main(sys.argv[1])
