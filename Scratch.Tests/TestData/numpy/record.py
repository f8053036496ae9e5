#!/usr/bin/python3
"""Records NumPy's results for the NDArray operations that mirror NumPy, as Scratch's tests read them.

Run from the repository root with Debian's Python (python3-numpy):
    /usr/bin/python3 Scratch.Tests/TestData/numpy/record.py
It rewrites Scratch.Tests/TestData/numpy/cases.json: a list of cases, each
    {"op": name, "inputs": [array, ...], "args": {...}, "expected": array | [array, ...] | bool}
where an array is {"shape": [...], "data": [row-major float32 values, "nan"/"inf"/"-inf" as strings]}. The tests feed every input to
Scratch in several layouts (contiguous, transposed, strided, negative-stride), so the same expected values
check the non-contiguous paths too. The inputs are float32 from a fixed seed; results are float32 as NumPy
computes them (softmax and log-softmax in float64, then cast, as a reference).
"""
import json
import os

import numpy as np

rng = np.random.default_rng(20261129)
cases = []


def value(v):
    """A float32 as its shortest text, or "nan", "inf", "-inf" (which JSON has no numbers for)."""
    return float(str(v)) if np.isfinite(v) else str(v)


def arr(x):
    x = np.asarray(x, dtype=np.float32)
    return {"shape": list(x.shape), "data": [value(v) for v in x.ravel()]}


def rand(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def case(op, inputs, expected, **args):
    if isinstance(expected, (list, tuple)):
        expected = [arr(e) for e in expected]
    elif isinstance(expected, (bool, np.bool_)):
        expected = bool(expected)
    else:
        expected = arr(expected)
    cases.append({"op": op, "inputs": [arr(i) for i in inputs], "args": args, "expected": expected})


# ---- basic indexing (the index is NumPy's own text; the test parses it into Ix entries) -------------
x = rand(5, 7, 3)
for index in ["1:3, :", "0, :", "-1", "1:3", ":, ::2", "::-1", "::-2, 1", "1:7:3", "-4:-1, 2:0:-1",
              "None, 2", "..., 0", "1, ..., ::-1", "4, 6, 2", ":, None, 1:2", "10:", "-100:2", "::3, ::-3, ::2"]:
    case("index", [x], eval(f"x[{index}]"), index=index)

# ---- joining and splitting ------------------------------------------------------------------------
a, b, c = rand(2, 3, 4), rand(2, 1, 4), rand(2, 5, 4)
case("concatenate", [a, b, c], np.concatenate([a, b, c], axis=1), axis=1)
case("concatenate", [a, a], np.concatenate([a, a], axis=-1), axis=-1)
p, q, r = rand(7), rand(1), rand(33)
case("concatenate", [p, q, r], np.concatenate([p, q, r]), axis=0)
s1, s2, s3 = rand(3, 4), rand(3, 4), rand(3, 4)
for axis in [0, 1, 2, -1]:
    case("stack", [s1, s2, s3], np.stack([s1, s2, s3], axis=axis), axis=axis)
x = rand(6, 4)
case("split_sections", [x], np.split(x, 3, axis=0), sections=3, axis=0)
case("split_sections", [x], np.split(x, 2, axis=1), sections=2, axis=1)
case("split_indices", [x], np.split(x, [1, 4], axis=0), indices=[1, 4], axis=0)
case("split_indices", [x], np.split(x, [3, 1, 10], axis=0), indices=[3, 1, 10], axis=0)
case("split_indices", [x], np.split(x, [-1], axis=1), indices=[-1], axis=1)

# ---- selection ------------------------------------------------------------------------------------
cond = (rand(4, 5) > 0).astype(np.float32)
x, y = rand(4, 5), rand(4, 5)
case("where", [cond, x, y], np.where(cond != 0, x, y))
cond_row = (rand(5) > 0).astype(np.float32)
y_col = rand(4, 1)
case("where", [cond_row, x, y_col], np.where(cond_row != 0, x, y_col))
case("where", [cond, x, np.float32(0)], np.where(cond != 0, x, np.float32(0)))

x = rand(4, 3, 5)
m = (rand(4) > 0).astype(np.float32)
case("mask", [x, m], x[m != 0])
m2 = (x > 0.5).astype(np.float32)
case("mask", [x, m2], x[m2 != 0])
m3 = (rand(4, 3) > 0).astype(np.float32)
case("mask", [x, m3], x[m3 != 0])

for axis in [0, 1, 2, -1]:
    n = x.shape[axis]
    idx = [n - 1, 0, -1, 1 % n, 0]
    case("take", [x], np.take(x, idx, axis=axis), indices=idx, axis=axis)

x = rand(7, 33)
x[2, 5] = x[2, 9] = x[2].min() - 1   # a tie: the first one wins
for axis in [None, 0, 1]:
    case("argmin", [x], np.argmin(x, axis=axis), axis=axis)
    case("argmax", [x], np.argmax(x, axis=axis), axis=axis)

# ---- reductions over several axes, softmax, cumsum ------------------------------------------------
x = rand(3, 7, 5, 2)
for axes in [[0, 2], [1], [-1, 0], [0, 1, 2, 3], [1, 3], []]:
    for keepdims in [False, True]:
        t = tuple(axes)
        case("sum", [x], np.sum(x, axis=t, keepdims=keepdims), axes=axes, keepdims=keepdims)
        case("mean", [x], np.mean(x, axis=t, keepdims=keepdims), axes=axes, keepdims=keepdims)
        case("max", [x], np.max(x, axis=t, keepdims=keepdims), axes=axes, keepdims=keepdims)
        case("min", [x], np.min(x, axis=t, keepdims=keepdims), axes=axes, keepdims=keepdims)
        case("var", [x], np.var(x, axis=t, keepdims=keepdims), axes=axes, keepdims=keepdims)
        case("std", [x], np.std(x, axis=t, keepdims=keepdims), axes=axes, keepdims=keepdims)


def softmax(v, axis):
    v = v.astype(np.float64)
    e = np.exp(v - v.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(v, axis):
    v = v.astype(np.float64)
    s = v - v.max(axis=axis, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=axis, keepdims=True))


x = rand(4, 33) * 10
x[0, :3] = [1000, 1001, 1002]   # large logits: finite only when shifted by the max
for axis in [0, 1, -1]:
    case("softmax", [x], softmax(x, axis), axis=axis)
    case("log_softmax", [x], log_softmax(x, axis), axis=axis)
x = rand(2, 3, 7)
for axis in [0, 1, 2]:
    case("softmax", [x], softmax(x, axis), axis=axis)
for axis in [None, 0, 1, 2]:
    case("cumsum", [x], np.cumsum(x, axis=axis), axis=axis)

# ---- creation -------------------------------------------------------------------------------------
for n, m_, k in [(1, None, 0), (4, None, 0), (3, 5, 1), (5, 3, -2), (3, 3, 4)]:
    case("eye", [], np.eye(n, m_, k, dtype=np.float32), n=n, m=m_, k=k)
for start, stop, num, endpoint in [(0, 1, 5, True), (-3.5, 2.25, 7, True), (0, 1, 5, False), (2, 2, 1, True), (1, -1, 33, True), (0, 10, 0, True)]:
    case("linspace", [], np.linspace(start, stop, num, endpoint=endpoint).astype(np.float32),
         start=start, stop=stop, num=num, endpoint=endpoint)

# ---- comparison -----------------------------------------------------------------------------------
a = rand(3, 4)
for delta, rtol, atol in [(0.0, 1e-5, 1e-8), (1e-6, 1e-5, 1e-8), (1e-3, 1e-5, 1e-8), (1e-3, 1e-2, 0.0), (1e-3, 0.0, 2e-3)]:
    b = (a + np.float32(delta)).astype(np.float32)
    case("allclose", [a, b], np.allclose(a, b, rtol=rtol, atol=atol), rtol=rtol, atol=atol)
nan = np.array([1.0, np.nan], np.float32)
case("allclose", [nan, nan], np.allclose(nan, nan), rtol=1e-5, atol=1e-8)
inf = np.array([np.inf, -np.inf, 1], np.float32)
case("allclose", [inf, inf], np.allclose(inf, inf), rtol=1e-5, atol=1e-8)
case("allclose", [a, a[0]], np.allclose(a, a[0]), rtol=1e-5, atol=1e-8)
case("allclose", [a[:1], a[:1] * 0 + a[:1]], np.allclose(a[:1], a[:1]), rtol=1e-5, atol=1e-8)
case("array_equal", [a, a.copy()], np.array_equal(a, a.copy()))
case("array_equal", [a, a[:, :3]], np.array_equal(a, a[:, :3]))
case("array_equal", [nan, nan], np.array_equal(nan, nan))

# ---- an in-place add whose operand overlaps the destination (NumPy buffers the operand) -----------
base = np.arange(12, dtype=np.float32)
x = base.reshape(4, 3).T
np.add(x[:, 1:], x[:, :-1], out=x[:, 1:])
case("overlap_add", [np.arange(12, dtype=np.float32)], base)

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases.json")
with open(path + ".tmp", "w") as f:
    json.dump({"numpy": np.__version__, "cases": cases}, f, separators=(",", ":"))
os.replace(path + ".tmp", path)
print(f"{len(cases)} cases written to {path} (NumPy {np.__version__})")
