"""The book's layers and networks in NumPy (Deep Learning from Scratch, common/layers.py), float32 throughout.

The peer `peers` compares Scratch with: the same im2col/col2im convolution, pooling, affine, ReLU, batch norm,
inverted dropout, softmax cross-entropy and Adam as the book writes them (the book runs float64; float32 here).
"""
import numpy as np


def im2col(img_in, fh, fw, stride=1, pad=0):
    n, c, h, w = img_in.shape
    oh = (h + 2 * pad - fh) // stride + 1
    ow = (w + 2 * pad - fw) // stride + 1
    img = np.pad(img_in, [(0, 0), (0, 0), (pad, pad), (pad, pad)], 'constant')
    col = np.zeros((n, c, fh, fw, oh, ow), dtype=img_in.dtype)
    for y in range(fh):
        ye = y + stride * oh
        for x in range(fw):
            xe = x + stride * ow
            col[:, :, y, x, :, :] = img[:, :, y:ye:stride, x:xe:stride]
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(n * oh * ow, -1)


def col2im(col, shape, fh, fw, stride=1, pad=0):
    n, c, h, w = shape
    oh = (h + 2 * pad - fh) // stride + 1
    ow = (w + 2 * pad - fw) // stride + 1
    col = col.reshape(n, oh, ow, c, fh, fw).transpose(0, 3, 4, 5, 1, 2)
    img = np.zeros((n, c, h + 2 * pad + stride - 1, w + 2 * pad + stride - 1), dtype=col.dtype)
    for y in range(fh):
        ye = y + stride * oh
        for x in range(fw):
            xe = x + stride * ow
            img[:, :, y:ye:stride, x:xe:stride] += col[:, :, y, x, :, :]
    return img[:, :, pad:h + pad, pad:w + pad]


class Convolution:
    def __init__(self, W, b, stride=1, pad=0):
        self.W, self.b, self.stride, self.pad = W, b, stride, pad

    def forward(self, x, train=True):
        fn, c, fh, fw = self.W.shape
        n, _, h, w = x.shape
        oh = (h + 2 * self.pad - fh) // self.stride + 1
        ow = (w + 2 * self.pad - fw) // self.stride + 1
        col = im2col(x, fh, fw, self.stride, self.pad)
        col_W = self.W.reshape(fn, -1).T
        out = (col @ col_W + self.b).reshape(n, oh, ow, -1).transpose(0, 3, 1, 2)
        self.x, self.col, self.col_W = x, col, col_W
        return out

    def backward(self, dout):
        fn, c, fh, fw = self.W.shape
        dout = dout.transpose(0, 2, 3, 1).reshape(-1, fn)
        self.db = np.sum(dout, axis=0)
        self.dW = (self.col.T @ dout).transpose(1, 0).reshape(fn, c, fh, fw)
        dcol = dout @ self.col_W.T
        return col2im(dcol, self.x.shape, fh, fw, self.stride, self.pad)


class Pooling:
    def __init__(self, ph, pw, stride=1, pad=0):
        self.ph, self.pw, self.stride, self.pad = ph, pw, stride, pad

    def forward(self, x, train=True):
        n, c, h, w = x.shape
        oh = (h - self.ph) // self.stride + 1
        ow = (w - self.pw) // self.stride + 1
        col = im2col(x, self.ph, self.pw, self.stride, self.pad).reshape(-1, self.ph * self.pw)
        self.arg_max = np.argmax(col, axis=1)
        self.x = x
        return np.max(col, axis=1).reshape(n, oh, ow, c).transpose(0, 3, 1, 2)

    def backward(self, dout):
        dout = dout.transpose(0, 2, 3, 1)
        ps = self.ph * self.pw
        dmax = np.zeros((dout.size, ps), dtype=dout.dtype)
        dmax[np.arange(self.arg_max.size), self.arg_max.flatten()] = dout.flatten()
        dmax = dmax.reshape(dout.shape + (ps,))
        dcol = dmax.reshape(dmax.shape[0] * dmax.shape[1] * dmax.shape[2], -1)
        return col2im(dcol, self.x.shape, self.ph, self.pw, self.stride, self.pad)


class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x, train=True):
        self.original_x_shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        return self.x @ self.W + self.b

    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return (dout @ self.W.T).reshape(*self.original_x_shape)


class Relu:
    def forward(self, x, train=True):
        self.mask = x <= 0
        out = x.copy(); out[self.mask] = 0
        return out

    def backward(self, dout):
        dout = dout.copy(); dout[self.mask] = 0
        return dout


class Dropout:  # inverted dropout
    def __init__(self, p, rng):
        self.p, self.rng = p, rng

    def forward(self, x, train=True):
        if not train:
            return x
        self.mask = (self.rng.random(x.shape, dtype=np.float32) > self.p).astype(x.dtype) / (1.0 - self.p)
        return x * self.mask

    def backward(self, dout):
        return dout * self.mask


class BatchNorm:
    def __init__(self, gamma, beta, momentum=0.9):
        self.gamma, self.beta, self.momentum = gamma, beta, momentum
        self.running_mean = np.zeros_like(gamma); self.running_var = np.zeros_like(gamma)

    def forward(self, x, train=True):
        mu = x.mean(axis=0); xc = x - mu
        var = np.mean(xc ** 2, axis=0); std = np.sqrt(var + 10e-7)
        xn = xc / std
        self.batch_size, self.xc, self.xn, self.std = x.shape[0], xc, xn, std
        self.running_mean = self.momentum * self.running_mean + (1 - self.momentum) * mu
        self.running_var = self.momentum * self.running_var + (1 - self.momentum) * var
        return self.gamma * xn + self.beta

    def backward(self, dout):
        self.dbeta = dout.sum(axis=0)
        self.dgamma = np.sum(self.xn * dout, axis=0)
        dxn = self.gamma * dout
        dxc = dxn / self.std
        dstd = -np.sum((dxn * self.xc) / (self.std * self.std), axis=0)
        dvar = 0.5 * dstd / self.std
        dxc += (2.0 / self.batch_size) * self.xc * dvar
        dmu = np.sum(dxc, axis=0)
        return dxc - dmu / self.batch_size


class SoftmaxWithLoss:
    def forward(self, x, t):
        x = x - x.max(axis=1, keepdims=True)
        e = np.exp(x)
        self.y = e / e.sum(axis=1, keepdims=True)
        self.t = t
        return -np.mean(np.log(self.y[np.arange(x.shape[0]), t] + 1e-7))

    def backward(self):
        n = self.t.shape[0]
        dx = self.y.copy(); dx[np.arange(n), self.t] -= 1
        return dx / n


class Adam:
    def __init__(self, lr=1e-3, b1=0.9, b2=0.999):
        self.lr, self.b1, self.b2, self.it, self.m, self.v = lr, b1, b2, 0, None, None

    def update(self, params, grads):
        if self.m is None:
            self.m = {k: np.zeros_like(v) for k, v in params.items()}
            self.v = {k: np.zeros_like(v) for k, v in params.items()}
        self.it += 1
        lr_t = self.lr * np.sqrt(1.0 - self.b2 ** self.it) / (1.0 - self.b1 ** self.it)
        for k in params:
            self.m[k] += (1 - self.b1) * (grads[k] - self.m[k])
            self.v[k] += (1 - self.b2) * (grads[k] ** 2 - self.v[k])
            params[k] -= lr_t * self.m[k] / (np.sqrt(self.v[k]) + 1e-7)


class Network:
    """A list of (name, layer, {param key: attribute of the layer's gradient}) and a softmax loss."""

    def __init__(self, params, layers):
        self.params, self.layers, self.last = params, layers, SoftmaxWithLoss()

    def step(self, x, t, opt):
        for _, layer, _ in self.layers:
            x = layer.forward(x, True)
        loss = self.last.forward(x, t)
        d = self.last.backward()
        for _, layer, _ in reversed(self.layers):
            d = layer.backward(d)
        opt.update(self.params, {k: getattr(layer, attr) for _, layer, grads in self.layers for k, attr in grads.items()})
        return float(loss)


def simple_conv_net(rng):
    """Conv 30×5×5 - ReLU - pool 2×2 - Affine 4320→100 - ReLU - Affine 100→10, He init."""
    he = lambda fan_in, shape: (np.sqrt(2.0 / fan_in) * rng.standard_normal(shape)).astype(np.float32)
    p = {'W1': he(25, (30, 1, 5, 5)), 'b1': np.zeros(30, np.float32), 'W2': he(4320, (4320, 100)),
         'b2': np.zeros(100, np.float32), 'W3': he(100, (100, 10)), 'b3': np.zeros(10, np.float32)}
    return Network(p, [('conv', Convolution(p['W1'], p['b1']), {'W1': 'dW', 'b1': 'db'}), ('relu', Relu(), {}),
                       ('pool', Pooling(2, 2, 2), {}), ('aff1', Affine(p['W2'], p['b2']), {'W2': 'dW', 'b2': 'db'}),
                       ('relu', Relu(), {}), ('aff2', Affine(p['W3'], p['b3']), {'W3': 'dW', 'b3': 'db'})])


def multi_layer_net_extend(rng, hidden=(100, 100, 100, 100), dropout=0.2):
    """784-100×4-10: Affine - BatchNorm - ReLU - Dropout per hidden layer, He init."""
    sizes = [784, *hidden, 10]
    params, layers = {}, []
    for i in range(len(sizes) - 1):
        params[f'W{i}'] = (np.sqrt(2.0 / sizes[i]) * rng.standard_normal((sizes[i], sizes[i + 1]))).astype(np.float32)
        params[f'b{i}'] = np.zeros(sizes[i + 1], np.float32)
        layers.append(('aff', Affine(params[f'W{i}'], params[f'b{i}']), {f'W{i}': 'dW', f'b{i}': 'db'}))
        if i < len(hidden):
            params[f'g{i}'] = np.ones(sizes[i + 1], np.float32); params[f'be{i}'] = np.zeros(sizes[i + 1], np.float32)
            layers.append(('bn', BatchNorm(params[f'g{i}'], params[f'be{i}']), {f'g{i}': 'dgamma', f'be{i}': 'dbeta'}))
            layers.append(('relu', Relu(), {}))
            layers.append(('drop', Dropout(dropout, rng), {}))
    return Network(params, layers)
