"""PyTorch's column of tools/bench/predict.sh (PredictBench): inference speed of the fmnist MLP and CNN.

Usage: /usr/bin/python3 predict_pytorch.py WORK_DIR [THREADS]

Loads MODEL.safetensors (PyTorchState.toPyTorch of backprop4j's seeded model, strict
load_state_dict) and MODEL.io.safetensors (inputs x1, x256 and backprop4j's outputs y1, y256),
checks that PyTorch predicts what backprop4j predicts, then times model(x) under torch.no_grad()
in eval mode: batch 1 as median microseconds per call, batch 256 as samples per second
(256 / median call), after a warm-up of 1 s. Prints one line "MODEL BATCH FIGURE" each.
Run it without OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (PredictBench removes them).
"""
import json
import struct
import sys
import time

import torch
import torch.nn as nn

import blas_threads


def read(path):   # safetensors by hand (the safetensors package is not installed): length, JSON header, data
    with open(path, 'rb') as f:
        raw = f.read()
    n = struct.unpack('<Q', raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, e in header.items():
        if name == '__metadata__':
            continue
        if e['dtype'] != 'F32':
            raise SystemExit(f"{path}: {name} is {e['dtype']}, expected F32")
        b, end = e['data_offsets']
        out[name] = torch.frombuffer(bytearray(raw[8 + n + b:8 + n + end]), dtype=torch.float32).reshape(e['shape'])
    return out


def models():
    mlp = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))
    cnn = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Flatten(), nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))
    return {'fmnist-mlp': mlp, 'fmnist-cnn': cnn}


def median_seconds(f, min_calls=21, min_seconds=3.0):
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < 1.0:
        f()
    times = []
    start = time.perf_counter()
    while len(times) < min_calls or time.perf_counter() - start < min_seconds:
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    times.sort()
    return times[len(times) // 2]


def main():
    work = sys.argv[1]
    blas_threads.set_threads(int(sys.argv[2]) if len(sys.argv) > 2 else 2)
    print(f"# torch {torch.__version__}, {torch.get_num_threads()} threads", flush=True)
    for name, model in models().items():
        model.load_state_dict(read(f"{work}/{name}.safetensors"))   # strict: every name and shape must fit
        model.eval()
        io = read(f"{work}/{name}.io.safetensors")
        with torch.no_grad():
            for batch in (1, 256):
                x = io[f"x{batch}"].contiguous()
                y = model(x)
                expected = io[f"y{batch}"]
                diff = ((y - expected).abs() / (1 + expected.abs())).max().item()
                if not diff <= 1e-5:
                    raise SystemExit(f"{name} batch {batch}: PyTorch and backprop4j disagree by {diff:.2e}")
                print(f"# {name} batch {batch}: PyTorch vs backprop4j max |a-b|/(1+|b|) = {diff:.2e}", flush=True)
                s = median_seconds(lambda: model(x))
                print(f"{name} {batch} {s * 1e6 if batch == 1 else batch / s:.1f}", flush=True)


if __name__ == '__main__':
    main()
