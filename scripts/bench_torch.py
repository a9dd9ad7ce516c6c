"""PyTorch's side of `npm run bench` (src/bench/peers/torch-workloads.ts): one workload, timed
by this process itself, driven over stdin/stdout so that its samples alternate with recur's.

    python scripts/bench_torch.py '{"workload": {...}, "threads": 2}'

The workload is the JSON of one entry of src/bench/workloads.ts. Training workloads are recur's
char-LM step in PyTorch's idiom: one-hot input [T, B, V] (precomputed, as recur's one-hot input
costs no matrix product either), nn.LSTM / nn.GRU / nn.RNN(tanh) stack, nn.Linear head,
cross-entropy over T*B rows, Adam (lr 1e-3), zero_grad / backward / step per step. Inference
workloads run nn.LSTM(input, hidden) on x [T, B, input] under torch.inference_mode().

Protocol, one JSON object per line:
  out  {"type": "ready", "description": "torch 2.13.0+cpu (2 threads)", "threads": 2}
  in   {"type": "sample", "minMs": 500, "maxSteps": 200}
  out  {"type": "sample", "times": [ms, ...]}
  in   {"type": "stop"}
  out  {"type": "stopped", "maxRssKiB": N}
The first steps (300 ms, at most 20) are a warm-up, run before "ready".
"""
import json
import resource
import sys
import time

import torch


def build(w):
    torch.manual_seed(1)
    if w["kind"] == "infer":
        lstm = torch.nn.LSTM(w["input"], w["hidden"])
        x = torch.rand(w["seqLen"], w["batch"], w["input"]) * 2 - 1

        def infer():
            with torch.inference_mode():
                y, _ = lstm(x)
            return y

        return infer
    cls = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn-tanh": torch.nn.RNN}[w["cell"]]
    T, B, V, H = w["seqLen"], w["batch"], w["vocab"], w["hidden"]
    rnn = cls(V, H, num_layers=w["layers"])
    head = torch.nn.Linear(H, V)
    params = list(rnn.parameters()) + list(head.parameters())
    opt = torch.optim.Adam(params, lr=1e-3)
    g = torch.Generator().manual_seed(1)
    batches = []
    for _ in range(4):
        ids = torch.randint(0, V, ((T + 1) * B,), generator=g)
        x = torch.nn.functional.one_hot(ids[: T * B], V).float().view(T, B, V)
        batches.append((x, ids[B:].clone()))
    state = {"i": 0}

    def train():
        x, y = batches[state["i"] % len(batches)]
        state["i"] += 1
        opt.zero_grad(set_to_none=True)
        out, _ = rnn(x)
        loss = torch.nn.functional.cross_entropy(head(out).view(T * B, V), y)
        loss.backward()
        opt.step()
        return loss

    return train


def time_steps(step, min_ms, max_steps):
    times = []
    t0 = time.perf_counter()
    while True:
        t = time.perf_counter()
        step()
        times.append((time.perf_counter() - t) * 1000)
        if (time.perf_counter() - t0) * 1000 >= min_ms or len(times) >= max_steps:
            return times


def send(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main():
    job = json.loads(sys.argv[1])
    threads = int(job["threads"])
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    step = build(job["workload"])
    time_steps(step, 300, 20)
    send({"type": "ready", "description": f"torch {torch.__version__} ({threads} thread{'' if threads == 1 else 's'})", "threads": threads})
    for line in sys.stdin:
        m = json.loads(line)
        if m["type"] == "sample":
            send({"type": "sample", "times": time_steps(step, m["minMs"], m["maxSteps"])})
        else:
            send({"type": "stopped", "maxRssKiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss})
            return


if __name__ == "__main__":
    main()
