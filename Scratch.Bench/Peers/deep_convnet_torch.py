# The book's DeepConvNet in PyTorch, trained exactly as `train --network deepconv --epochs 15` trains ours: the
# embedded 8,000/2,000 digits, He init (normal, std √(2/fan_in)), zero biases, Adam lr 1e-3 (ε 1e-7), batch 100,
# a permutation per epoch, inverted dropout 0.5 after the hidden and the output Affine. It shows what accuracy the
# network itself reaches on this data. Run: /usr/bin/python3 deep_convnet_torch.py SEED (Debian python3-torch).
import gzip, os, sys, time
import numpy as np, torch, torch.nn as nn
torch.set_num_threads(2)
RES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'Scratch.Data', 'Resources') + os.sep
def idx(name):
    d = gzip.open(RES + name).read(); r = d[3]
    dims = [int.from_bytes(d[4+4*i:8+4*i], 'big') for i in range(r)]
    return np.frombuffer(d, np.uint8, offset=4+4*r).reshape(dims)
X = torch.tensor(idx('mnist10k-images-idx3-ubyte.gz').astype(np.float32) / 255.0).reshape(-1, 1, 28, 28)
T = torch.tensor(idx('mnist10k-labels-idx1-ubyte.gz').astype(np.int64))
xtr, ttr, xte, tte = X[:8000], T[:8000], X[8000:], T[8000:]
seed = int(sys.argv[1]); torch.manual_seed(seed); rng = np.random.RandomState(seed)
def conv(i, o, p): return nn.Conv2d(i, o, 3, padding=p)
net = nn.Sequential(conv(1,16,1), nn.ReLU(), conv(16,16,1), nn.ReLU(), nn.MaxPool2d(2),
                    conv(16,32,1), nn.ReLU(), conv(32,32,2), nn.ReLU(), nn.MaxPool2d(2),
                    conv(32,64,1), nn.ReLU(), conv(64,64,1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                    nn.Linear(1024, 50), nn.ReLU(), nn.Dropout(0.5), nn.Linear(50, 10), nn.Dropout(0.5))
for m in net:
    if isinstance(m, (nn.Conv2d, nn.Linear)):
        fan_in = m.weight[0].numel(); nn.init.normal_(m.weight, 0, (2.0 / fan_in) ** 0.5); nn.init.zeros_(m.bias)
opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
lossf = nn.CrossEntropyLoss()
for epoch in range(15):
    net.train(); perm = rng.permutation(8000); t0 = time.time()
    for s in range(80):
        b = perm[s*100:(s+1)*100]
        opt.zero_grad(); loss = lossf(net(xtr[b]), ttr[b]); loss.backward(); opt.step()
    net.eval()
    with torch.no_grad(): acc = (net(xte).argmax(1) == tte).float().mean().item()
    print(f'seed {seed} epoch {epoch+1} test acc {acc:.4f} {time.time()-t0:.2f}s', flush=True)
