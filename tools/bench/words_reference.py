#!/usr/bin/env python3
"""PyTorch side of `backprop4j bench compare words-transformer` and `words-lstm`.

Trains the same character model as `backprop4j bench words-transformer|words-lstm` from the same
initial weights on the same batches, both read from the files that run wrote into --work-dir:
NAME-init.safetensors (backprop4j's state dict; its Linear weights are [in, out], PyTorch's
[out, in], so they are transposed here) and NAME-data.safetensors (int64 train_x, train_y
[steps*batch, context] with -100 over padding, test_x [n, context], test_y [n]; metadata lr,
batch, steps). AdamW with the same lr, betas (0.9, 0.999), eps 1e-8 and weight decay 0.01.

Prints "NAME ms per step: X" (median over the steps after the first 5) and "NAME test loss: X"
(mean cross-entropy in nats per character of the last position of each test window), and
"blas: ..." (the BLAS libraries this process loaded), as pytorch_reference.py does.

  /usr/bin/python3 tools/bench/words_reference.py words-transformer --work-dir DIR --threads 2
"""
import argparse, json, struct, sys, time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

WARM_UP = 5


def read_safetensors(path):
    """The tensors and metadata of a safetensors file (F32 and I64 only), without the safetensors package."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {})
    body = raw[8 + n:]
    out = {}
    for name, h in header.items():
        dtype = {"F32": np.float32, "I64": np.int64}[h["dtype"]]
        a, b = h["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(body[a:b], dtype=dtype).reshape(h["shape"]).copy())
    return out, meta


class PositionalEmbedding(nn.Module):
    def __init__(self, length, dim):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(length, dim))

    def forward(self, x):
        return x + self.weight[: x.size(1)]


class Block(nn.Module):
    """backprop4j's TransformerBlock: pre-norm, causal attention, GELU feed-forward, same child names."""

    def __init__(self, dim, heads, ff):
        super().__init__()
        self.ln_1 = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.ln_2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, ff), nn.GELU(), nn.Linear(ff, dim))

    def forward(self, x):
        t = x.size(1)
        mask = torch.triu(torch.ones(t, t, dtype=torch.bool), 1)
        h = self.ln_1(x)
        x = x + self.attn(h, h, h, attn_mask=mask, need_weights=False)[0]
        return x + self.mlp(self.ln_2(x))


class Recurrent(nn.Module):
    """An LSTM whose parameters carry backprop4j's names (weight_ih_l0...), giving the outputs only."""

    def __init__(self, kind, inp, hidden):
        super().__init__()
        self.rnn = {"lstm": nn.LSTM, "gru": nn.GRU}[kind](inp, hidden, batch_first=True)

    def forward(self, x):
        return self.rnn(x)[0]


def build(name, state):
    v, d = state["0.weight"].shape
    if name == "words-transformer":
        length = state["1.weight"].shape[0]
        blocks = sorted({int(k.split(".")[0]) for k in state if ".attn." in k})
        heads = HEADS
        ff = state["%d.mlp.0.weight" % blocks[0]].shape[1]
        layers = [nn.Embedding(v, d), PositionalEmbedding(length, d)] + [Block(d, heads, ff) for _ in blocks]
        layers += [nn.LayerNorm(d), nn.Linear(d, v)]
    else:
        hidden = state["1.weight_hh_l0"].shape[1]
        layers = [nn.Embedding(v, d), Recurrent("lstm", d, hidden), nn.Linear(hidden, v)]
    model = nn.Sequential(*layers)
    linear = {n for n, m in model.named_modules() if isinstance(m, nn.Linear)}
    mine = {}
    for k, t in state.items():
        key = k.replace(".weight_", ".rnn.weight_").replace(".bias_", ".rnn.bias_")
        owner = key.rsplit(".", 1)[0]
        mine[key] = t.t().contiguous() if owner in linear and key.endswith(".weight") else t
    model.load_state_dict(mine, strict=True)
    return model


HEADS = 4


def main():
    global HEADS
    p = argparse.ArgumentParser()
    p.add_argument("what", choices=["words-transformer", "words-lstm"])
    p.add_argument("--work-dir", required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--heads", type=int, default=4)
    a = p.parse_args()
    HEADS = a.heads
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    state, _ = read_safetensors("%s/%s-init.safetensors" % (a.work_dir, a.what))
    data, meta = read_safetensors("%s/%s-data.safetensors" % (a.work_dir, a.what))
    model = build(a.what, state)
    lr, batch, steps = float(meta["lr"]), int(meta["batch"]), int(meta["steps"])
    print("%s: %d parameters, batch %d, AdamW lr %g, %d steps, torch %s, %d threads"
          % (a.what, sum(t.numel() for t in model.parameters()), batch, lr, steps, torch.__version__, a.threads))
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    x, y = data["train_x"], data["train_y"]
    ms = []
    model.train()
    for s in range(steps):
        t0 = time.perf_counter()
        xb, yb = x[s * batch:(s + 1) * batch], y[s * batch:(s + 1) * batch]
        opt.zero_grad(set_to_none=True)
        logits = model(xb)
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), yb.reshape(-1), ignore_index=-100)
        loss.backward()
        opt.step()
        value = loss.item()
        ms.append((time.perf_counter() - t0) * 1000)
        if s % 20 == 0 or s == steps - 1:
            print("%s step %d: loss %.4f  %.1f ms" % (a.what, s + 1, value, ms[-1]))
            sys.stdout.flush()
    timed = sorted(ms[min(WARM_UP, steps - 1):])
    print("%s ms per step: %.2f" % (a.what, timed[len(timed) // 2]))
    model.eval()
    with torch.no_grad():
        tx, ty = data["test_x"], data["test_y"]
        total = 0.0
        for i in range(0, tx.size(0), 512):
            logits = model(tx[i:i + 512])[:, -1, :]
            total += F.cross_entropy(logits, ty[i:i + 512], reduction="sum").item()
    print("%s test loss: %.4f" % (a.what, total / tx.size(0)))
    libs = sorted({l.split()[-1] for l in open("/proc/self/maps") if "blas" in l.lower() and ".so" in l})
    print("blas: " + (", ".join(libs) or "none found"))


if __name__ == "__main__":
    main()
