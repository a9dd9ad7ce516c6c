/**
 * The template of run.py in a `recur export pytorch` package: the model used from the command
 * line in PyTorch, one way per task (a language model samples text, a classifier classifies
 * texts or sequences, a forecaster forecasts a CSV's series; a model of no known task runs on
 * zeros and prints its output shapes). The README's first command.
 */
import type { PytorchTask } from './package.js';
import { SEQ2SEQ_RUN, TAG_RUN } from './sequence-py.js';

const HEADER = String.raw`"""Runs the exported recur model in PyTorch (written by recur export pytorch)."""
import argparse
import json

import torch

from load import load
`;

const LM = String.raw`from vocab import lm_vocab


def main():
    ap = argparse.ArgumentParser(description="sample text from the language model")
    ap.add_argument("model", help="the .safetensors file")
    ap.add_argument("--prime", default="The", help="text to start from")
    ap.add_argument("--length", type=int, default=200, help="symbols to generate")
    ap.add_argument("--temperature", type=float, default=0.8)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    model, metadata = load(args.model)
    vocab = lm_vocab(metadata)
    batch_first = model.config.get("batchFirst", False)
    as_input = lambda ids: torch.tensor([ids] if batch_first else [[i] for i in ids])  # [1, T] or [T, 1]
    ids = vocab.encode(args.prime) or [vocab.ids.get("\n", 0)]
    rng = torch.Generator().manual_seed(args.seed)
    symbols = vocab.split(args.prime)
    with torch.no_grad():
        logits, state = model(as_input(ids))
        for _ in range(args.length):
            last = logits.reshape(-1, logits.shape[-1])[-1] / max(args.temperature, 1e-6)
            last[vocab.never] = float("-inf")  # never the unknown symbol (nor a word model's [PAD])
            nxt = int(torch.multinomial(torch.softmax(last, -1), 1, generator=rng))
            symbols.append(vocab.vocabulary[nxt])
            logits, state = model(as_input([nxt]), state=state)
    print(vocab.join(symbols))
`;

const CLASSIFY = String.raw`from vocab import CLASSIFY_KEY, classify_tokenizer


def main():
    ap = argparse.ArgumentParser(description="classify texts (or, for a model of vector sequences, the sequences of a .jsonl file)")
    ap.add_argument("model", help="the .safetensors file")
    ap.add_argument("texts", nargs="*", help="texts to classify")
    ap.add_argument("--input", help='a .jsonl file of {"sequence": [[...], ...]} lines (models of vector sequences)')
    args = ap.parse_args()
    model, metadata = load(args.model)
    meta = json.loads(metadata[CLASSIFY_KEY])
    tokenizer = classify_tokenizer(metadata)
    if tokenizer is not None:
        names = args.texts
        seqs = [tokenizer.encode(t) or [1] for t in names]  # an empty text reads as one [UNK]
        if meta["maxLength"]:
            seqs = [s[: meta["maxLength"]] for s in seqs]
        x = torch.zeros(max(map(len, seqs)), len(seqs), dtype=torch.long)  # [T, B] padded with [PAD]
    else:
        with open(args.input, encoding="utf-8") as f:
            seqs = [json.loads(line)["sequence"] for line in f if line.strip()]
        names = [f"{args.input}:{i + 1}" for i in range(len(seqs))]
        x = torch.zeros(max(map(len, seqs)), len(seqs), meta["features"])
    for b, s in enumerate(seqs):
        x[: len(s), b] = torch.tensor(s)
    if model.config.get("batchFirst"):
        x = x.transpose(0, 1)
    with torch.no_grad():
        logits, _ = model(x, lengths=[len(s) for s in seqs])
    probabilities = torch.sigmoid(logits) if meta["multiLabel"] else torch.softmax(logits, -1)
    for name, p in zip(names, probabilities):
        best = int(p.argmax())
        print(f"{meta['classes'][best]}\t{float(p[best]):.4f}\t{name}")
`;

const FORECAST = String.raw`import csv

from forecast import forecast, pipeline_of


def main():
    ap = argparse.ArgumentParser(description="forecast the next horizon steps of every series of a CSV file")
    ap.add_argument("model", help="the .safetensors file")
    ap.add_argument("--data", required=True, help="CSV with the training columns (complete, in time order)")
    args = ap.parse_args()
    model, metadata = load(args.model)
    p, data = pipeline_of(metadata)
    series = {}  # id -> {column: values}
    with open(args.data, newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            columns = series.setdefault(row[data["seriesColumn"]] if data["seriesColumn"] else "", {})
            for name in data["targets"] + data["covariates"]:
                columns.setdefault(name, []).append(float(row[name]))
    print("series,step,target," + ",".join(f"q{q}" for q in p["spec"]["quantiles"]))
    for sid, columns in series.items():
        result = forecast(model, metadata, columns, columns, series=sid)  # an ensemble: its members' mean
        for name, rows in result.items():
            for h, qs in enumerate(rows):
                print(f"{sid},{h + 1},{name}," + ",".join(f"{v:.6g}" for v in qs))
`;

const ANY = String.raw`

def main():
    ap = argparse.ArgumentParser(description="run the model on zeros and print its output shapes")
    ap.add_argument("model", help="the .safetensors file")
    args = ap.parse_args()
    model, metadata = load(args.model)
    c = model.config
    shape = [3, 2] if c["input"]["kind"] != "dense" else [3, 2, c["input"]["size"]]
    x = torch.zeros(shape, dtype=torch.long if c["input"]["kind"] != "dense" else torch.float32)
    with torch.no_grad():
        logits, state = model(x)
    print(json.dumps({"task": metadata.get("recur.task"), "logits": list(logits.shape)}))
`;

const ANY_SEQUENCE = String.raw`

def main():
    ap = argparse.ArgumentParser(description="load the model and print what it is")
    ap.add_argument("model", help="the .safetensors file")
    args = ap.parse_args()
    model, metadata = load(args.model)
    print(json.dumps({"task": metadata.get("recur.task"), "kind": model.config["kind"], "parameters": sum(p.numel() for p in model.parameters())}))
`;

/** run.py for a model of `task` (`kind`: the model's config kind). */
export function runPy(task: PytorchTask | undefined, kind: 'recurrent' | 'encoder-decoder' | 'tagger' | 'forecast-ensemble' = 'recurrent'): string {
  const body = task === 'char-lm' || task === 'word-lm' ? LM : task === 'classify' ? CLASSIFY : task === 'forecast' ? FORECAST
    : task === 'seq2seq' ? SEQ2SEQ_RUN : task === 'tag' ? TAG_RUN : kind === 'recurrent' ? ANY : ANY_SEQUENCE;
  return `${HEADER}${body}

if __name__ == "__main__":
    main()
`;
}
