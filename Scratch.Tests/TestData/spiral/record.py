# Reference points for SpiralTests: the book's dataset/spiral.py (Deep Learning from Scratch 2),
# run with NumPy 1.24 (`python3 record.py`); the printed C# rows are pasted into SpiralTests.cs.
# Only change from the book: dtype=np.int (removed in NumPy 1.24) is written dtype=int.
import numpy as np


def load_data(seed=1984):
    np.random.seed(seed)
    N = 100  # points per class
    DIM = 2
    CLS_NUM = 3

    x = np.zeros((N*CLS_NUM, DIM))
    t = np.zeros((N*CLS_NUM, CLS_NUM), dtype=int)

    for j in range(CLS_NUM):
        for i in range(N):
            rate = i / N
            radius = 1.0*rate
            theta = j*4.0 + 4.0*rate + np.random.randn()*0.2

            ix = N*j + i
            x[ix] = np.array([radius*np.sin(theta),
                              radius*np.cos(theta)]).flatten()
            t[ix, j] = 1

    return x, t


x, t = load_data()
x32 = x.astype(np.float32)
for ix in [0, 1, 2, 3, 4, 100, 101, 150, 200, 299]:
    print(f"        {{ {ix}, {x32[ix, 0]!r}f, {x32[ix, 1]!r}f }},")
x64 = x32.astype(np.float64)   # the float32 points, summed in double
print("sum x:", repr(x64.sum()), " sum |x|:", repr(np.abs(x64).sum()))
print("class counts:", t.sum(axis=0))
