"""The book's networks in PyTorch eager mode, for the `peers` command: same layers, He init, zero biases."""
import torch
import torch.nn as nn


def _he(model):
    for m in model:
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, (2.0 / m.weight[0].numel()) ** 0.5)
            nn.init.zeros_(m.bias)
    return model


def simple_conv_net():
    """Conv 30×5×5 - ReLU - pool 2×2 - Affine 4320→100 - ReLU - Affine 100→10."""
    return _he(nn.Sequential(nn.Conv2d(1, 30, 5), nn.ReLU(), nn.MaxPool2d(2, 2), nn.Flatten(),
                             nn.Linear(4320, 100), nn.ReLU(), nn.Linear(100, 10)))


def deep_conv_net():
    """The book's DeepConvNet: six 3×3 convolutions (16, 16, 32, 32, 64, 64) with pooling, Affine 1024→50→10, dropout 0.5."""
    def conv(i, o, p):
        return nn.Conv2d(i, o, 3, padding=p)
    return _he(nn.Sequential(conv(1, 16, 1), nn.ReLU(), conv(16, 16, 1), nn.ReLU(), nn.MaxPool2d(2),
                             conv(16, 32, 1), nn.ReLU(), conv(32, 32, 2), nn.ReLU(), nn.MaxPool2d(2),
                             conv(32, 64, 1), nn.ReLU(), conv(64, 64, 1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                             nn.Linear(1024, 50), nn.ReLU(), nn.Dropout(0.5), nn.Linear(50, 10), nn.Dropout(0.5)))


def multi_layer_net_extend(hidden=(100, 100, 100, 100), dropout=0.2):
    """784-100×4-10: Linear - BatchNorm1d - ReLU - Dropout per hidden layer."""
    sizes, layers = [784, *hidden, 10], []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(hidden):
            layers += [nn.BatchNorm1d(sizes[i + 1], eps=1e-6, momentum=0.1), nn.ReLU(), nn.Dropout(dropout)]
    return _he(nn.Sequential(*layers))
