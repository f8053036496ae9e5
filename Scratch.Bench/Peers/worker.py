#!/usr/bin/python3
"""Peer worker for `Scratch.Bench -- peers`: times NumPy and PyTorch on the workloads the command asks for.

Protocol: one JSON request per line on stdin, one JSON answer per line on stdout (nothing else is printed there).
  {"op": "info"}                                          versions, OpenBLAS core, thread control
  {"op": "gemm", "lib": "numpy"|"torch", "threads": n, "m": M, "k": K, "n": N, "layout": "NN"|"TN"|"NT", "min_time": s}
  {"op": "conv", "lib": ..., "threads": n, "c": C, "h": H, "fn": FN, "fh": 3, "pad": 1, "batch": 100, "min_time": s}
  {"op": "epoch", "lib": ..., "threads": n, "net": "simpleconv"|"deepconv"|"mlp", "images": 8000}
  {"op": "quit"}
Each timing request answers {"seconds": t}: the mean time of one call over repetitions lasting at least min_time
("clock": "thread" counts this thread's CPU time instead of wall time, for one-thread timings on a busy machine)
(one whole epoch for "epoch"), after a warm-up call the first time a workload is seen. The caller alternates
requests with its own samples and takes medians, so the ratios hold on a noisy machine.

Threads: NumPy and PyTorch (Debian builds) share one libopenblas with its own pthread pool, which
torch.set_num_threads does not limit; every request sets both torch's OpenMP pool and OpenBLAS's pool.
"""
import ctypes, gzip, json, os, sys, time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DIGITS = os.path.join(HERE, '..', '..', 'Scratch.Data', 'Resources')

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    torch = None

try:
    _openblas = ctypes.CDLL('libopenblas.so.0')
    _openblas.openblas_get_corename.restype = ctypes.c_char_p
    _openblas.openblas_get_config.restype = ctypes.c_char_p
except OSError:
    _openblas = None

sys.path.insert(0, HERE)
import book_numpy  # noqa: E402
if torch is not None:
    import torch_nets  # noqa: E402


def set_threads(n):
    if _openblas is not None:
        _openblas.openblas_set_num_threads(n)
    if torch is not None:
        torch.set_num_threads(n)


def timed(fn, min_time, clock):
    now = time.thread_time if clock == 'thread' else time.perf_counter
    t0 = now(); fn(); dt = now() - t0
    reps = max(1, int(min_time / max(dt, 1e-7)))
    t0 = now()
    for _ in range(reps):
        fn()
    return (now() - t0) / reps


_cache = {}


def cached(key, make):
    if key not in _cache:
        _cache[key] = make()
    return _cache[key]


def gemm(req):
    m, k, n, layout, lib = req['m'], req['k'], req['n'], req['layout'], req['lib']

    def make():
        rng = np.random.default_rng(0)
        a = rng.standard_normal((k, m), dtype=np.float32).T if layout == 'TN' else rng.standard_normal((m, k), dtype=np.float32)
        b = rng.standard_normal((n, k), dtype=np.float32).T if layout == 'NT' else rng.standard_normal((k, n), dtype=np.float32)
        out = np.empty((m, n), np.float32)
        if lib == 'numpy':
            fn = lambda: np.matmul(a, b, out=out)
        else:
            ta, tb, tout = torch.from_numpy(a), torch.from_numpy(b), torch.from_numpy(out)
            fn = lambda: torch.mm(ta, tb, out=tout)
        fn()
        return fn
    return timed(cached(('gemm', lib, m, k, n, layout), make), req['min_time'], req.get('clock', 'wall'))


def conv(req):
    lib, c, h, fn_, fh, pad, batch = req['lib'], req['c'], req['h'], req['fn'], req['fh'], req['pad'], req['batch']

    def make():
        rng = np.random.default_rng(0)
        x = rng.standard_normal((batch, c, h, h), dtype=np.float32)
        W = (0.1 * rng.standard_normal((fn_, c, fh, fh))).astype(np.float32)
        b = (0.1 * rng.standard_normal(fn_)).astype(np.float32)
        oh = h + 2 * pad - fh + 1
        dout = rng.standard_normal((batch, fn_, oh, oh), dtype=np.float32)
        if lib == 'numpy':
            layer = book_numpy.Convolution(W, b, 1, pad)
            def run():
                layer.forward(x); layer.backward(dout)
        else:
            tx, tW, tb = (torch.from_numpy(v.copy()).requires_grad_(True) for v in (x, W, b))
            tdout = torch.from_numpy(dout)
            def run():
                y = F.conv2d(tx, tW, tb, padding=pad)
                torch.autograd.grad(y, (tx, tW, tb), tdout)
        run()
        return run
    return timed(cached(('conv', lib, c, h, fn_, fh, pad, batch), make), req['min_time'], req.get('clock', 'wall'))


def digits():
    def idx(name):
        d = gzip.open(os.path.join(DIGITS, name)).read(); r = d[3]
        dims = [int.from_bytes(d[4 + 4 * i:8 + 4 * i], 'big') for i in range(r)]
        return np.frombuffer(d, np.uint8, offset=4 + 4 * r).reshape(dims)
    x = idx('mnist10k-images-idx3-ubyte.gz').astype(np.float32) / 255.0
    t = idx('mnist10k-labels-idx1-ubyte.gz').astype(np.int64)
    return x[:8000].reshape(-1, 1, 28, 28), t[:8000]


def epoch(req):
    lib, net, images = req['lib'], req['net'], req['images']
    x, t = cached('digits', digits)
    if net == 'mlp':
        x = x.reshape(-1, 784)
    x, t = x[:images], t[:images]

    def make():
        if lib == 'numpy':
            rng = np.random.default_rng(0)
            model = book_numpy.simple_conv_net(rng) if net == 'simpleconv' else book_numpy.multi_layer_net_extend(rng)
            opt = book_numpy.Adam(1e-3)
            return lambda xb, tb: model.step(xb, tb, opt), lambda v: v
        torch.manual_seed(0)
        model = {'simpleconv': torch_nets.simple_conv_net, 'deepconv': torch_nets.deep_conv_net,
                 'mlp': torch_nets.multi_layer_net_extend}[net]()
        model.train()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
        lossf = torch.nn.CrossEntropyLoss()

        def step(xb, tb):
            opt.zero_grad(set_to_none=True)
            loss = lossf(model(xb), tb)
            loss.backward()
            opt.step()
            return float(loss)
        return step, torch.from_numpy

    key = ('epoch', lib, net)
    first = key not in _cache
    step, convert = cached(key, make)
    xs, ts = convert(x), convert(t)
    rng = np.random.default_rng(1)
    if first:                                   # warm-up: a few steps, not timed
        for s in range(0, min(images, 300), 100):
            step(xs[s:s + 100], ts[s:s + 100])
    perm = rng.permutation(images)
    t0 = time.perf_counter()
    for s in range(0, images, 100):
        idx = perm[s:s + 100]
        step(xs[idx], ts[idx])
    return time.perf_counter() - t0


def info():
    return {'python': sys.version.split()[0], 'numpy': np.__version__,
            'torch': torch.__version__ if torch is not None else None,
            'onednn': bool(torch is not None and torch.backends.mkldnn.is_available()),
            'openblas': _openblas.openblas_get_config().decode() if _openblas is not None else None,
            'openblas_core': _openblas.openblas_get_corename().decode() if _openblas is not None else None,
            'threads_controlled': _openblas is not None}


def main():
    ops = {'gemm': gemm, 'conv': conv, 'epoch': epoch}
    for line in sys.stdin:
        req = json.loads(line)
        if req['op'] == 'quit':
            break
        try:
            if req['op'] == 'info':
                answer = info()
            else:
                if req['lib'] == 'torch' and torch is None:
                    raise RuntimeError('PyTorch is not installed')
                set_threads(req['threads'])
                answer = {'seconds': ops[req['op']](req)}
        except Exception as e:  # reported to the caller, which shows the cell as missing
            answer = {'error': f'{type(e).__name__}: {e}'}
        sys.stdout.write(json.dumps(answer) + '\n')
        sys.stdout.flush()


if __name__ == '__main__':
    main()
