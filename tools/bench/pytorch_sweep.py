#!/usr/bin/env python3
"""The fmnist-mlp workload of pytorch_reference.py with the hidden widths and batch size as
arguments, for `backprop4j bench sweep` (epoch time against width and batch size).

Usage: python3 pytorch_sweep.py --hidden 512,256 --batch 128 [--epochs 3] [--threads 2]
Prints the same result line as the reference: fmnist-mlp median epoch seconds: X
"""
import argparse, time
import torch
import blas_threads
import pytorch_reference as ref

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--hidden", default="512,256")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    blas_threads.set_threads(a.threads)
    torch.manual_seed(0)
    xs, ys, xt, yt = ref.load_fmnist()
    sizes = [784] + [int(h) for h in a.hidden.split(",")] + [10]
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    lossf = torch.nn.CrossEntropyLoss()
    times = []
    for epoch in range(a.epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(xs.shape[0])
        for i in range(0, xs.shape[0], a.batch):
            idx = perm[i:i + a.batch]
            opt.zero_grad()
            loss = lossf(model(xs[idx]), ys[idx])
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - t0)
        print(f"fmnist-mlp epoch {epoch + 1}: {times[-1]:.3f} s", flush=True)
    print(f"fmnist-mlp median epoch seconds: {sorted(times)[len(times) // 2]:.3f}")

if __name__ == "__main__":
    main()
