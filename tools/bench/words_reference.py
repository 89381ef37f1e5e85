#!/usr/bin/env python3
"""PyTorch side of `backprop4j bench compare words-M` (M: bigram, mlp, lstm, gru, transformer).

Trains the same character model as `backprop4j bench words-M` from the same initial weights on the
same batches, both read from the files that run wrote into --work-dir: NAME-init.safetensors
(backprop4j's state dict; its Linear weights are [in, out], PyTorch's [out, in], so they are
transposed here) and NAME-data.safetensors (int64 test_x [n, context], test_y [n]).

Without --recipe: NAME-data.safetensors also holds train_x, train_y ([steps*batch, context] with
-100 over padding for a model of every position, else [steps*batch]; metadata lr, batch, steps):
AdamW with that lr, constant, betas (0.9, 0.999), eps 1e-8 and weight decay 0.01.

With --recipe (`bench compare words-M --recipe`): the whole recipe of `train --data words --model
M`, from the metadata (optimizer adam or adamw with PyTorch's defaults, as ours, lr, schedule none
or cosine, recipe_epochs, epochs, steps_per_epoch, batch); epoch E's batches in NAME-epochE
.safetensors; CosineAnnealingLR(T_max = recipe_epochs, eta_min 0) stepped after each epoch; after
each epoch the loss on val_x, val_y (the validation sample `train` scores).

Prints "NAME ms per step: X" (median over the second half of the steps, at least the first 5 left
out, as backprop4j's TextBench; with --recipe the mean, as `train` prints it), "NAME ms per step,
whole run: X" (the mean over every step; not with --recipe), "NAME test loss: X" (mean cross-entropy in nats per character of the last
position of each test window), with --recipe "NAME epoch E validation loss: X", and "blas: ..."
(the BLAS libraries this process loaded), as pytorch_reference.py does.

  /usr/bin/python3 tools/bench/words_reference.py words-transformer --work-dir DIR --threads 2
  /usr/bin/python3 tools/bench/words_reference.py words-gru --recipe --work-dir DIR --threads 2
"""
import argparse, json, os, struct, sys, time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# runpy.run_path (bench compare) does not put this folder on the path
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import blas_threads  # noqa: E402

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
    """An LSTM or GRU whose parameters carry backprop4j's names (weight_ih_l0...), giving the outputs only."""

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
    elif name == "words-bigram":
        layers = [nn.Embedding(v, d)]
    elif name == "words-mlp":
        inp, hidden = state["2.weight"].shape
        layers = [nn.Embedding(v, d), nn.Flatten(), nn.Linear(inp, hidden), nn.Tanh(), nn.Linear(hidden, v)]
    else:
        hidden = state["1.weight_hh_l0"].shape[1]
        layers = [nn.Embedding(v, d), Recurrent(name[len("words-"):], d, hidden), nn.Linear(hidden, v)]
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


def step_loss(model, xb, yb):
    """The mean cross-entropy of a batch: over every position (-100 ignored) for a model of every position."""
    logits = model(xb)
    return F.cross_entropy(logits.reshape(-1, logits.size(-1)), yb.reshape(-1), ignore_index=-100)


def mean_loss(model, x, y):
    """Mean cross-entropy of the last position of each window, in nats per character (eval mode, no graph)."""
    model.eval()
    with torch.no_grad():
        total = 0.0
        for i in range(0, x.size(0), 512):
            logits = model(x[i:i + 512])
            if logits.dim() == 3:
                logits = logits[:, -1, :]
            total += F.cross_entropy(logits, y[i:i + 512], reduction="sum").item()
    model.train()
    return total / x.size(0)


def recipe(a, model, data, meta):
    """The whole recipe of `train --data words --model M`, as backprop4j's Trainer runs it."""
    lr, batch, steps = float(meta["lr"]), int(meta["batch"]), int(meta["steps_per_epoch"])
    epochs, total = int(meta["epochs"]), int(meta["recipe_epochs"])
    if meta["optimizer"] == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=lr)
    elif meta["optimizer"] == "adamw":
        opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    else:
        sys.exit("words_reference.py: optimizer %s is not in this script" % meta["optimizer"])
    schedule = {"none": None, "cosine": lambda: torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total, eta_min=0)}[meta["schedule"]]
    schedule = schedule() if schedule else None
    print("%s recipe: %d parameters, batch %d, %s lr %g %s, %d of %d epochs of %d steps, torch %s, %d threads"
          % (a.what, sum(t.numel() for t in model.parameters()), batch, meta["optimizer"], lr, meta["schedule"], epochs, total, steps,
             torch.__version__, a.threads))
    model.train()
    training = 0.0
    for e in range(1, epochs + 1):
        train, _ = read_safetensors("%s/%s-epoch%d.safetensors" % (a.work_dir, a.what, e))
        x, y = train["train_x"], train["train_y"]
        rate = opt.param_groups[0]["lr"]
        t0 = time.perf_counter()
        losses = 0.0
        for s in range(steps):
            opt.zero_grad(set_to_none=True)
            loss = step_loss(model, x[s * batch:(s + 1) * batch], y[s * batch:(s + 1) * batch])
            loss.backward()
            opt.step()
            losses += loss.item()
        seconds = time.perf_counter() - t0
        training += seconds
        print("%s epoch %d: train loss %.4f, lr %.6g, %.1f s" % (a.what, e, losses / steps, rate, seconds))
        print("%s epoch %d validation loss: %.4f" % (a.what, e, mean_loss(model, data["val_x"], data["val_y"])))
        sys.stdout.flush()
        if schedule:
            schedule.step()
    print("%s ms per step: %.2f" % (a.what, 1000 * training / (epochs * steps)))
    print("%s test loss: %.4f" % (a.what, mean_loss(model, data["test_x"], data["test_y"])))


def main():
    global HEADS
    p = argparse.ArgumentParser()
    p.add_argument("what", choices=["words-" + m for m in ("bigram", "mlp", "lstm", "gru", "transformer")])
    p.add_argument("--work-dir", required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--recipe", action="store_true", help="the whole recipe of train --data words --model M")
    a = p.parse_args()
    HEADS = a.heads
    blas_threads.set_threads(a.threads)
    torch.manual_seed(0)
    state, _ = read_safetensors("%s/%s-init.safetensors" % (a.work_dir, a.what))
    data, meta = read_safetensors("%s/%s-data.safetensors" % (a.work_dir, a.what))
    model = build(a.what, state)
    if a.recipe:
        recipe(a, model, data, meta)
        blas_threads.report()
        return
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
        loss = step_loss(model, xb, yb)
        loss.backward()
        opt.step()
        value = loss.item()
        ms.append((time.perf_counter() - t0) * 1000)
        if s % 20 == 0 or s == steps - 1:
            print("%s step %d: loss %.4f  %.1f ms" % (a.what, s + 1, value, ms[-1]))
            sys.stdout.flush()
    # the second half, as backprop4j's TextBench.timedFrom
    timed = sorted(ms[min(max(WARM_UP, steps // 2), steps - 1):])
    print("%s ms per step: %.2f" % (a.what, timed[len(timed) // 2]))
    print("%s ms per step, whole run: %.2f" % (a.what, sum(ms) / steps))
    print("%s test loss: %.4f" % (a.what, mean_loss(model, data["test_x"], data["test_y"])))
    blas_threads.report()


if __name__ == "__main__":
    main()
