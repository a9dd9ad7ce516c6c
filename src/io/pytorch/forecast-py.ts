/**
 * The template of forecast.py in a `recur export pytorch` package: a forecaster's pipeline as
 * recur stores it (tasks/forecast/pipeline.ts, normalizers.ts, forecaster.ts, heads.ts): each
 * target's transform (none, log, Box-Cox), per-series scaling with differencing and relative
 * centring, or the hybrid's exponential-smoothing level and season; the window the model reads,
 * and its outputs decoded into quantiles in the data's units for the direct, recursive and
 * shifted layouts. An ensemble (RecurForecastEnsemble) forecasts with each member through its own
 * pipeline and averages quantile by quantile in the data's units (predict.ts forecastAt,
 * scoring.ts averageForecasts).
 */

/** forecast.py; `key` names the metadata entry of the forecast pipeline. */
export function forecastPy(key: string): string {
  return String.raw`"""A recur forecaster's pipeline in Python (written by recur export pytorch).

    model, metadata = load("model.safetensors")
    quantiles = forecast(model, metadata, {"sales": [112.8, 126.6, ...]})   # the series' history
    # -> {"sales": [[q_0.1, q_0.5, q_0.9] for each of the next horizon steps]}, in the data's units

As recur: each target transformed (none, log, Box-Cox), the last lookback steps scaled per series
(standardised or min-max, optionally differenced, optionally centred on their recent mean; the
hybrid: relative to the exponentially smoothed level, without the seasonal index) into the
window the model reads, and its outputs decoded back: H steps at once (direct), or one step at
a time with the median fed back (recursive, and the shifted sequence model). An ensemble
(model.py's RecurForecastEnsemble): each member forecasts through its own pipeline, then the
mean of the members' forecasts, quantile by quantile, in the data's units (as recur does).
"""
import json
import math
from statistics import NormalDist

import torch

FORECAST_KEY = "${key}"  # metadata: the forecast pipeline


def pipelines_of(metadata):
    """(the pipelines, one per member: one for a single model; the data settings) a forecaster's file stores."""
    meta = json.loads(metadata[FORECAST_KEY])
    return meta["pipelines"], meta["data"]


def pipeline_of(metadata):
    """(the pipeline, the data settings) of a single forecaster's file (an ensemble's first member's)."""
    pipelines, data = pipelines_of(metadata)
    return pipelines[0], data


def members_of(model):
    """The RecurModels a forecaster is made of: itself, or an ensemble's members."""
    return list(model.members) if model.config.get("kind") == "forecast-ensemble" else [model]


def transform(t, y):
    """A target's transform (fitted by recur on its training part)."""
    if t["kind"] == "none":
        return list(y)
    if min(y) <= 0:
        raise ValueError(f"a {t['kind']} transform needs values > 0")
    lam = 0 if t["kind"] == "log" else t["lambda"]
    return [math.log(v) if lam == 0 else (v**lam - 1) / lam for v in y]


def invert(t, z):
    if t["kind"] == "none":
        return list(z)
    lam = 0 if t["kind"] == "log" else t["lambda"]
    if lam == 0:
        return [math.exp(v) for v in z]
    # Box-Cox maps onto lambda z + 1 > 0 only: forecasts are kept just inside, as recur does.
    edge = -1 / lam
    inside = edge + math.copysign(1, lam) * 1e-9 * max(1, abs(edge))
    z = [max(v, inside) if lam > 0 else min(v, inside) for v in z]
    return [(lam * v + 1) ** (1 / lam) for v in z]


def center(x, col, origin):
    """A column's center: fixed, or (relative) the mean of its last values before the origin."""
    if not col.get("relative"):
        return col["center"]
    total = 0.0
    for t in range(origin - col["relative"], origin):
        total += x[t]
    return total / col["relative"]


def scaled(x, col, t, c):
    """Step t of a column as the model reads it: (the value, or its lag difference, - center) / spread."""
    lag = col["difference"]
    v = x[t] - (x[t - lag] if t >= lag else x[t]) if lag > 0 else x[t]
    return (v - c) / col["spread"]


def smooth(z, season, alpha, gamma):
    """Additive level + season exponential smoothing (Holt-Winters without trend), started from
    the first season: (level after each step, seasonal index of each step, the next season's)."""
    n, m = len(z), max(1, season)
    first = min(n, m)
    level0 = 0.0
    for t in range(first):
        level0 += z[t]
    level0 /= first
    s = [z[j] - level0 if j < n and m > 1 else 0.0 for j in range(m)]
    level, seasonal, l = [0.0] * n, [0.0] * n, level0
    for t in range(n):
        j = t % m
        seasonal[t] = s[j]
        new = alpha * (z[t] - s[j]) + (1 - alpha) * l
        if m > 1:
            s[j] = gamma * (z[t] - new) + (1 - gamma) * s[j]
        l = level[t] = new
    return level, seasonal, [s[(n + h) % m] if m > 1 else 0.0 for h in range(m)]


def smoothed(x, col, origin):
    """The hybrid's view of a target at origin: the level after step origin - 1, and the seasonal
    index of any step as known at the origin (later steps repeat the last season known)."""
    level, seasonal, following = smooth(x, col["season"], col["alpha"], col["gamma"])
    m, n = len(following), len(x)

    def seasonal_at(t):
        u = t if t < origin else origin + (t - origin) % m
        return seasonal[u] if u < n else following[(u - n) % m]

    return level[origin - 1], seasonal_at


def window(columns, states, origin, lookback):
    """The model's input before origin: lookback rows of (targets..., covariates...)."""
    steps = range(origin - lookback, origin)
    per_column = []
    for x, col in zip(columns, states):
        if col["kind"] == "smoothing":  # the hybrid's targets
            level, seasonal_at = smoothed(x, col, origin)
            per_column.append([(x[t] - seasonal_at(t) - level) / col["spread"] for t in steps])
        else:
            c = center(x, col, origin)
            per_column.append([scaled(x, col, t, c) for t in steps])
    return [list(row) for row in zip(*per_column)]


def decode(x, col, origin, values):
    """Values of a target at origin, origin + 1, ... from the model's normalised outputs."""
    if col["kind"] == "smoothing":
        level, seasonal_at = smoothed(x, col, origin)
        return [v * col["spread"] + level + seasonal_at(origin + h) for h, v in enumerate(values)]
    c, lag, out = center(x, col, origin), col["difference"], []
    for h, v in enumerate(values):
        step = v * col["spread"] + c
        # A difference adds to the value lag steps back: known history, or a forecast made earlier.
        out.append(step + (out[h - lag] if h >= lag else x[origin + h - lag]) if lag > 0 else step)
    return out


def quantiles_of(spec, outputs):
    """The reported quantiles of one forecast value from the head's outputs."""
    head, levels = spec["head"], spec["quantiles"]
    if head == "quantile":
        return sorted(outputs[: len(levels)])
    if head == "gaussian":
        sigma = math.exp(min(10, max(-10, outputs[1])))
        return [outputs[0] + sigma * NormalDist().inv_cdf(tau) for tau in levels]
    return [outputs[0]] * len(levels)


def run(model, spec, rows):
    """The model's outputs for one window (rows: lookback x features), as a list."""
    x = torch.tensor([rows], dtype=torch.float32).transpose(0, 1)  # [T, 1, F]
    if model.config.get("batchFirst"):
        x = x.transpose(0, 1)
    with torch.no_grad():
        logits, _ = model(x)
    if spec["layout"] == "shifted":  # the sequence model answers at every step: the last one
        logits = logits[:, -1] if model.config.get("batchFirst") else logits[-1]
    return logits.reshape(-1).double().tolist()


def forecast(model, metadata, targets, covariates=None, series=""):
    """Quantiles of the next horizon steps of one series, per target: H rows of Q values.
    targets / covariates: column name -> history (the training columns); series: its id.
    An ensemble: each member's forecast (its own pipeline), averaged quantile by quantile."""
    pipelines, data = pipelines_of(metadata)
    members = members_of(model)
    if len(members) != len(pipelines):
        raise ValueError(f"the model has {len(members)} member(s) but its metadata {len(pipelines)} pipeline(s)")
    per_member = [member_forecast(m, p, data, targets, covariates, series) for m, p in zip(members, pipelines)]
    if len(per_member) == 1:
        return per_member[0]
    n = len(per_member)
    mean = lambda rows: [[sum(r[h][q] for r in rows) / n for q in range(len(rows[0][h]))] for h in range(len(rows[0]))]
    return {name: mean([f[name] for f in per_member]) for name in data["targets"]}


def member_forecast(model, p, data, targets, covariates=None, series=""):
    """One RecurModel's forecast through its pipeline p: per target, H rows of Q values in the data's units."""
    spec, K = p["spec"], len(data["targets"])
    state = next((s for s in p["series"] if s["id"] == series), None)
    if state is None:
        raise ValueError(f"series {series!r} is not one the model was trained on: {[s['id'] for s in p['series']]}")
    z = [transform(t, targets[name]) for t, name in zip(state["transforms"], data["targets"])]
    cov = [list((covariates or {})[name]) for name in data["covariates"]]
    L, H, W = spec["lookback"], spec["horizon"], {"quantile": len(spec["quantiles"]), "gaussian": 2}.get(spec["head"], 1)
    Q, origin, cols = len(spec["quantiles"]), len(z[0]), state["normalizer"]
    median = min(range(Q), key=lambda q: abs(spec["quantiles"][q] - 0.5))
    if origin < L:
        raise ValueError(f"the history has {origin} steps; the model reads {L}")
    out = [[[0.0] * Q for _ in range(H)] for _ in range(K)]
    model.eval()
    if spec["layout"] == "direct":
        o = run(model, spec, window(z + cov, cols, origin, L))
        for k in range(K):
            paths = list(zip(*[quantiles_of(spec, o[(h * K + k) * W :]) for h in range(H)]))  # Q paths of H
            decoded = [decode(z[k], cols[k], origin, path) for path in paths]
            for h in range(H):
                out[k][h] = [decoded[q][h] for q in range(Q)]
    else:  # one step at a time, the median written into the history and read back
        z = [zk + [0.0] * H for zk in z]
        for h in range(H):
            o = run(model, spec, window(z + cov, cols, origin + h, L))
            for k in range(K):
                qs = quantiles_of(spec, o[k * W :])
                out[k][h] = [decode(z[k], cols[k], origin + h, [q])[0] for q in qs]
                z[k][origin + h] = out[k][h][median]
    return {name: [invert(state["transforms"][k], row) for row in out[k]] for k, name in enumerate(data["targets"])}
`;
}
