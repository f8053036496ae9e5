"""Makes lenet.onnx and its recorded inputs and outputs, for Scratch's ONNX import test.

Run from the repository root with Debian's python3-torch (torch 1.13):
    /usr/bin/python3 Scratch.Tests/TestData/onnx/make_lenet.py

A LeNet-style network (conv 5x5 → ReLU → max pool → conv 5x5 → ReLU → batch norm → max pool → flatten →
linear 120 → ReLU → dropout → linear 84 → tanh → linear 10 → softmax), trained for one epoch on the first 8,000
digits embedded in Scratch.Data, then its batch-norm statistics and scales nudged and exported by torch.onnx.export
in eval mode (opset 17, dynamic batch). Writes, next to this script:
    lenet.onnx         the model: input "input" (N, 1, 28, 28), output "output" (N, 10) probabilities
    lenet_x.npy        (32, 1, 28, 28) float32: the first 32 test digits (8,000 on), pixels / 255
    lenet_probs.npy    (32, 10) float32: PyTorch's outputs for them (after the softmax)
    lenet_logits.npy   (32, 10) float32: the scores before the softmax
    mlp.onnx           average pool → reshape (−1, 196) → x @ W + b → batch norm → sigmoid → x @ W + b, random weights:
                       PyTorch writes these as AveragePool, Reshape, MatMul + Add and BatchNormalization on (N, D)
    mlp_logits.npy     (32, 10) float32: its outputs for lenet_x.npy
    leaky.onnx         a model with an operator Scratch does not import (LeakyRelu), for the rejection test
"""
import gzip
import os

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
RESOURCES = os.path.join(HERE, "..", "..", "..", "Scratch.Data", "Resources")


def read_idx(name):
    """The body of a gzip IDX file as uint8 (the header is 4 bytes of magic + 4 per dimension)."""
    with gzip.open(os.path.join(RESOURCES, name), "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2, 2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.BatchNorm2d(16), nn.MaxPool2d(2, 2))
        self.classifier = nn.Sequential(
            nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Dropout(0.3),
            nn.Linear(120, 84), nn.Tanh(), nn.Linear(84, 10))

    def scores(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))

    def forward(self, x):
        return torch.softmax(self.scores(x), dim=1)


class MatMulNet(nn.Module):
    """Linear layers written as x @ W + b, which torch.onnx.export writes as MatMul + Add instead of Gemm."""

    def __init__(self):
        super().__init__()
        self.pool = nn.AvgPool2d(2)
        self.w1 = nn.Parameter(torch.randn(196, 32) * 0.1)
        self.b1 = nn.Parameter(torch.randn(32) * 0.1)
        self.bn = nn.BatchNorm1d(32)
        self.w2 = nn.Parameter(torch.randn(32, 10) * 0.3)
        self.b2 = nn.Parameter(torch.randn(10) * 0.1)

    def forward(self, x):
        h = self.pool(x).reshape(-1, 196) @ self.w1 + self.b1
        return torch.sigmoid(self.bn(h)) @ self.w2 + self.b2


def main():
    torch.manual_seed(0)
    images = read_idx("mnist10k-images-idx3-ubyte.gz").astype(np.float32) / 255.0
    labels = read_idx("mnist10k-labels-idx1-ubyte.gz").astype(np.int64)
    x_train = torch.from_numpy(images[:8000]).unsqueeze(1)
    t_train = torch.from_numpy(labels[:8000])

    model = LeNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    for start in range(0, 8000, 100):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model.scores(x_train[start:start + 100]), t_train[start:start + 100])
        loss.backward()
        optimizer.step()
    print(f"last training loss {loss.item():.4f}")

    bn = model.features[5]
    with torch.no_grad():   # nudge the learnt statistics and scales, so every one of them matters
        bn.running_mean.add_(torch.empty(16).uniform_(-0.05, 0.05))
        bn.running_var.mul_(torch.empty(16).uniform_(0.8, 1.25))
        bn.weight.mul_(torch.empty(16).uniform_(0.8, 1.25))
        bn.bias.add_(torch.empty(16).uniform_(-0.05, 0.05))

    model.eval()
    x = torch.from_numpy(images[8000:8032].copy()).unsqueeze(1)
    torch.onnx.export(model, x[:1], os.path.join(HERE, "lenet.onnx"), opset_version=17,
                      input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "N"}, "output": {0: "N"}})
    with torch.no_grad():
        probs = model(x).numpy()
        logits = model.scores(x).numpy()
    np.save(os.path.join(HERE, "lenet_x.npy"), x.numpy().astype(np.float32))
    np.save(os.path.join(HERE, "lenet_probs.npy"), probs.astype(np.float32))
    np.save(os.path.join(HERE, "lenet_logits.npy"), logits.astype(np.float32))
    accuracy = (probs.argmax(1) == labels[8000:8032]).mean()
    print(f"accuracy on the 32 recorded digits {accuracy:.3f}")

    mlp = MatMulNet()
    with torch.no_grad():
        mlp.bn.running_mean.uniform_(-0.2, 0.2)
        mlp.bn.running_var.uniform_(0.5, 2.0)
        mlp.bn.weight.uniform_(0.5, 1.5)
        mlp.bn.bias.uniform_(-0.2, 0.2)
    mlp.eval()
    torch.onnx.export(mlp, x[:1], os.path.join(HERE, "mlp.onnx"), opset_version=17,
                      input_names=["input"], output_names=["output"], dynamic_axes={"input": {0: "N"}, "output": {0: "N"}})
    with torch.no_grad():
        np.save(os.path.join(HERE, "mlp_logits.npy"), mlp(x).numpy().astype(np.float32))

    leaky = nn.Sequential(nn.Conv2d(1, 2, 3), nn.LeakyReLU(0.1), nn.Flatten(), nn.Linear(2 * 26 * 26, 10)).eval()
    torch.onnx.export(leaky, x[:1], os.path.join(HERE, "leaky.onnx"), opset_version=17,
                      input_names=["input"], output_names=["output"], dynamic_axes={"input": {0: "N"}, "output": {0: "N"}})


if __name__ == "__main__":
    main()
