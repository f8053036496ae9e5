# Losses of a few fixed-seed training steps of the book's networks, and the L2 norm of every gradient at the first step,, computed with NumPy in float64 by the
# book's own formulas (common/layers.py, functions.py, optimizer.py, util.py im2col/col2im), on the first
# 100 embedded MNIST digits (DeepConvNet: the first 20). The weights come from np.random.seed(s) + randn in the book's order, which
# Scratch's RandomState reproduces bit for bit. Made with: /usr/bin/python3 record.py > losses.json
# (NumPy 1.24, Debian python3-numpy).
import gzip, json, os
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
RES = os.path.join(HERE, '..', '..', '..', 'Scratch.Data', 'Resources')

def idx(name):
    with gzip.open(os.path.join(RES, name)) as f:
        data = f.read()
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], 'big') for i in range(rank)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * rank).reshape(dims)

X = idx('mnist10k-images-idx3-ubyte.gz')[:100].astype(np.float32) / 255.0
X = X.astype(np.float64)
T = idx('mnist10k-labels-idx1-ubyte.gz')[:100].astype(np.int64)

def softmax(x):
    x = x - x.max(axis=1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis=1, keepdims=True)

def cross_entropy(y, t):
    return -np.sum(np.log(y[np.arange(len(t)), t] + 1e-7)) / len(t)

def im2col(x, fh, fw, stride=1, pad=0):
    N, C, H, W = x.shape
    oh, ow = (H + 2 * pad - fh) // stride + 1, (W + 2 * pad - fw) // stride + 1
    img = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)], 'constant')
    col = np.zeros((N, C, fh, fw, oh, ow))
    for y in range(fh):
        for xx in range(fw):
            col[:, :, y, xx, :, :] = img[:, :, y:y + stride * oh:stride, xx:xx + stride * ow:stride]
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(N * oh * ow, -1)

def col2im(col, shape, fh, fw, stride=1, pad=0):
    N, C, H, W = shape
    oh, ow = (H + 2 * pad - fh) // stride + 1, (W + 2 * pad - fw) // stride + 1
    col = col.reshape(N, oh, ow, C, fh, fw).transpose(0, 3, 4, 5, 1, 2)
    img = np.zeros((N, C, H + 2 * pad + stride - 1, W + 2 * pad + stride - 1))
    for y in range(fh):
        for xx in range(fw):
            img[:, :, y:y + stride * oh:stride, xx:xx + stride * ow:stride] += col[:, :, y, xx, :, :]
    return img[:, :, pad:H + pad, pad:W + pad]

class Sgd:
    def __init__(self, lr): self.lr = lr
    def update(self, p, g):
        for k in p: p[k] -= self.lr * g[k]

class Adam:
    def __init__(self, lr=0.001, b1=0.9, b2=0.999):
        self.lr, self.b1, self.b2, self.it, self.m, self.v = lr, b1, b2, 0, None, None
    def update(self, p, g):
        if self.m is None:
            self.m = {k: np.zeros_like(v) for k, v in p.items()}
            self.v = {k: np.zeros_like(v) for k, v in p.items()}
        self.it += 1
        lr_t = self.lr * np.sqrt(1.0 - self.b2 ** self.it) / (1.0 - self.b1 ** self.it)
        for k in p:
            self.m[k] += (1 - self.b1) * (g[k] - self.m[k])
            self.v[k] += (1 - self.b2) * (g[k] ** 2 - self.v[k])
            p[k] -= lr_t * self.m[k] / (np.sqrt(self.v[k]) + 1e-7)

def two_layer(steps=5):
    # TwoLayerNet(784, 50, 10), weight_init_std 0.01, ReLU, SGD lr 0.1.
    np.random.seed(0)
    p = {'W1': 0.01 * np.random.randn(784, 50), 'b1': np.zeros(50), 'W2': 0.01 * np.random.randn(50, 10), 'b2': np.zeros(10)}
    x, t, opt, losses = X.reshape(100, -1), T, Sgd(0.1), []
    for _ in range(steps):
        h = x @ p['W1'] + p['b1']; r = np.maximum(h, 0); s = r @ p['W2'] + p['b2']
        y = softmax(s); losses.append(cross_entropy(y, t))
        ds = y.copy(); ds[np.arange(100), t] -= 1; ds /= 100
        g = {'W2': r.T @ ds, 'b2': ds.sum(0)}
        dr = ds @ p['W2'].T; dh = dr * (h > 0)
        g['W1'] = x.T @ dh; g['b1'] = dh.sum(0)
        opt.update(p, g)
    return losses

def multi_layer_bn(steps=5, lam=0.01):
    # MultiLayerNetExtend(784, [100, 100], 10), He init, batch norm (gamma 1, beta 0), weight decay λ, Adam 1e-3.
    np.random.seed(1)
    sizes = [784, 100, 100, 10]
    p = {}
    for i in range(1, 4):
        p[f'W{i}'] = np.sqrt(2.0 / sizes[i - 1]) * np.random.randn(sizes[i - 1], sizes[i]); p[f'b{i}'] = np.zeros(sizes[i])
    for i in range(1, 3):
        p[f'gamma{i}'] = np.ones(sizes[i]); p[f'beta{i}'] = np.zeros(sizes[i])
    x, t, opt, losses = X.reshape(100, -1), T, Adam(1e-3), []
    eps = 10e-7
    for _ in range(steps):
        cache, a = [], x
        for i in range(1, 3):
            h = a @ p[f'W{i}'] + p[f'b{i}']
            mu = h.mean(0); xc = h - mu; var = (xc ** 2).mean(0); std = np.sqrt(var + eps); xn = xc / std
            o = p[f'gamma{i}'] * xn + p[f'beta{i}']; r = np.maximum(o, 0)
            cache.append((a, xc, std, xn, o)); a = r
        s = a @ p['W3'] + p['b3']; y = softmax(s)
        loss = cross_entropy(y, t) + 0.5 * lam * sum(np.sum(p[f'W{i}'] ** 2) for i in range(1, 4))
        losses.append(loss)
        ds = y.copy(); ds[np.arange(100), t] -= 1; ds /= 100
        g = {'W3': a.T @ ds + lam * p['W3'], 'b3': ds.sum(0)}
        dout = ds @ p['W3'].T
        for i in (2, 1):
            a_in, xc, std, xn, o = cache[i - 1]
            dout = dout * (o > 0)
            g[f'beta{i}'] = dout.sum(0); g[f'gamma{i}'] = (xn * dout).sum(0)
            dxn = p[f'gamma{i}'] * dout; dxc = dxn / std
            dstd = -np.sum((dxn * xc) / (std * std), axis=0); dvar = 0.5 * dstd / std
            dxc += (2.0 / 100) * xc * dvar; dmu = np.sum(dxc, axis=0); dh = dxc - dmu / 100
            g[f'W{i}'] = a_in.T @ dh + lam * p[f'W{i}']; g[f'b{i}'] = dh.sum(0)
            dout = dh @ p[f'W{i}'].T
        opt.update(p, g)
    return losses

def simple_conv(steps=3):
    # SimpleConvNet (30 filters 5×5, pool 2×2, affine 100, affine 10), weight_init_std 0.01, Adam 1e-3.
    np.random.seed(2)
    p = {'W1': 0.01 * np.random.randn(30, 1, 5, 5), 'b1': np.zeros(30),
         'W2': 0.01 * np.random.randn(4320, 100), 'b2': np.zeros(100),
         'W3': 0.01 * np.random.randn(100, 10), 'b3': np.zeros(10)}
    x, t, opt, losses = X.reshape(100, 1, 28, 28), T, Adam(1e-3), []
    for _ in range(steps):
        col = im2col(x, 5, 5); wcol = p['W1'].reshape(30, -1).T
        c = (col @ wcol + p['b1']).reshape(100, 24, 24, 30).transpose(0, 3, 1, 2)
        r1 = np.maximum(c, 0)
        pc = im2col(r1, 2, 2, 2).reshape(-1, 4); arg = np.argmax(pc, axis=1)
        pool = np.max(pc, axis=1).reshape(100, 12, 12, 30).transpose(0, 3, 1, 2)
        f = pool.reshape(100, -1); h = f @ p['W2'] + p['b2']; r2 = np.maximum(h, 0)
        s = r2 @ p['W3'] + p['b3']; y = softmax(s); losses.append(cross_entropy(y, t))
        ds = y.copy(); ds[np.arange(100), t] -= 1; ds /= 100
        g = {'W3': r2.T @ ds, 'b3': ds.sum(0)}
        dh = (ds @ p['W3'].T) * (h > 0); g['W2'] = f.T @ dh; g['b2'] = dh.sum(0)
        dpool = (dh @ p['W2'].T).reshape(pool.shape).transpose(0, 2, 3, 1)
        dmax = np.zeros((dpool.size, 4)); dmax[np.arange(arg.size), arg.flatten()] = dpool.flatten()
        dr1 = col2im(dmax.reshape(dpool.shape + (4,)).reshape(dmax.shape[0], -1), r1.shape, 2, 2, 2)
        dc = (dr1 * (c > 0)).transpose(0, 2, 3, 1).reshape(-1, 30)
        g['b1'] = dc.sum(0); g['W1'] = (col.T @ dc).T.reshape(30, 1, 5, 5)
        opt.update(p, g)
    return losses

def deep_conv(steps=3, seed=3, n=20):
    # DeepConvNet (book ch08), He init, inverted dropout 0.5 with Scratch's mask streams, SGD lr 0.1.
    np.random.seed(seed)
    convs = [(16, 1), (16, 1), (32, 1), (32, 2), (64, 1), (64, 1)]
    p, c = {}, 1
    for i, (f, pad) in enumerate(convs, 1):
        p[f'W{i}'] = np.sqrt(2.0 / (c * 9)) * np.random.randn(f, c, 3, 3); p[f'b{i}'] = np.zeros(f); c = f
    p['W7'] = np.sqrt(2.0 / 1024) * np.random.randn(1024, 50); p['b7'] = np.zeros(50)
    p['W8'] = np.sqrt(2.0 / 50) * np.random.randn(50, 10); p['b8'] = np.zeros(10)
    drop = [np.random.RandomState(seed * 7919 + 1), np.random.RandomState(seed * 7919 + 2)]
    x, t, opt, losses, norms = X[:n].reshape(n, 1, 28, 28), T[:n], Sgd(0.1), [], None
    for step in range(steps):
        cache, a = [], x
        for i, (f, pad) in enumerate(convs, 1):
            N, C, H, W = a.shape
            oh, ow = H + 2 * pad - 2, W + 2 * pad - 2
            col = im2col(a, 3, 3, 1, pad); wcol = p[f'W{i}'].reshape(f, -1).T
            z = (col @ wcol + p[f'b{i}']).reshape(N, oh, ow, f).transpose(0, 3, 1, 2)
            r = np.maximum(z, 0)
            cache.append(('conv', i, pad, a.shape, col, z))
            a = r
            if i % 2 == 0:
                N, C, H, W = a.shape
                ph, pw = (H - 2) // 2 + 1, (W - 2) // 2 + 1
                pc = im2col(a, 2, 2, 2).reshape(-1, 4); arg = np.argmax(pc, axis=1)
                cache.append(('pool', a.shape, arg, (N, ph, pw, C)))
                a = np.max(pc, axis=1).reshape(N, ph, pw, C).transpose(0, 3, 1, 2)
        f7 = a.reshape(n, -1); h7 = f7 @ p['W7'] + p['b7']; r7 = np.maximum(h7, 0)
        m1 = (drop[0].rand(*r7.shape) > 0.5) / 0.5; d7 = r7 * m1
        h8 = d7 @ p['W8'] + p['b8']; m2 = (drop[1].rand(*h8.shape) > 0.5) / 0.5; s8 = h8 * m2
        y = softmax(s8); losses.append(cross_entropy(y, t))
        ds = y.copy(); ds[np.arange(n), t] -= 1; ds /= n
        dh8 = ds * m2; g = {'W8': d7.T @ dh8, 'b8': dh8.sum(0)}
        dh7 = (dh8 @ p['W8'].T) * m1 * (h7 > 0); g['W7'] = f7.T @ dh7; g['b7'] = dh7.sum(0)
        dout = (dh7 @ p['W7'].T).reshape(a.shape)
        for item in reversed(cache):
            if item[0] == 'pool':
                _, shape, arg, pshape = item
                dp = dout.transpose(0, 2, 3, 1)
                dmax = np.zeros((dp.size, 4)); dmax[np.arange(arg.size), arg.flatten()] = dp.flatten()
                dout = col2im(dmax, shape, 2, 2, 2)
            else:
                _, i, pad, shape, col, z = item
                f = z.shape[1]
                dz = (dout * (z > 0)).transpose(0, 2, 3, 1).reshape(-1, f)
                g[f'b{i}'] = dz.sum(0); g[f'W{i}'] = (col.T @ dz).T.reshape(p[f'W{i}'].shape)
                dout = col2im(dz @ p[f'W{i}'].reshape(f, -1), shape, 3, 3, 1, pad)
        if step == 0:
            norms = {k: float(np.linalg.norm(v)) for k, v in g.items()}
        opt.update(p, g)
    return {'losses': losses, 'grad_norms': norms}

print(json.dumps({'two_layer_sgd': two_layer(), 'multi_layer_bn_adam': multi_layer_bn(), 'simple_conv_adam': simple_conv(), 'deep_conv_sgd': deep_conv()}, indent=1))
