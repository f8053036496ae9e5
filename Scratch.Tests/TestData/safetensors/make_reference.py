"""A safetensors file written independently of Scratch, with Python's standard library only (struct, json).

Follows the format's specification (https://huggingface.co/docs/safetensors): an 8-byte little-endian header length N,
N bytes of UTF-8 JSON {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}}, then the
little-endian tensor bytes, offsets counted from the end of the header.

    /usr/bin/python3 make_reference.py               writes two_layer_net.safetensors (TwoLayerNet(4, 3, 2), exact values)
    /usr/bin/python3 make_reference.py check FILE    reads FILE (e.g. one Scratch wrote) with this independent reader

The header lists the tensors in alphabetical order (W1, W2, b1, b2) while the data holds them as W1, b1, W2, b2: the
specification allows any header order, so a reader must go by the offsets.
"""
import json
import struct
import sys


def values():
    """The network's arrays, each value a multiple of 1/16 so float32 holds it exactly (CheckpointTests recomputes them)."""
    w1 = [[(i * 3 + j + 1) / 16 * (-1) ** (i + j) for j in range(3)] for i in range(4)]   # (4, 3)
    b1 = [-0.5 + 0.25 * j for j in range(3)]                                            # (3,)
    w2 = [[(i * 2 + j) / 16 - 0.25 for j in range(2)] for i in range(3)]                 # (3, 2)
    b2 = [1.5, -2.0]                                                                    # (2,)
    return [("W1", [4, 3], w1), ("b1", [3], b1), ("W2", [3, 2], w2), ("b2", [2], b2)]


def flatten(x):
    return [v for row in x for v in row] if isinstance(x[0], list) else list(x)


def write(path):
    tensors, data = {}, b""
    for name, shape, x in values():
        raw = struct.pack("<%df" % len(flatten(x)), *flatten(x))
        tensors[name] = {"dtype": "F32", "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    args = {"inputSize": 4, "hiddenSize": 3, "outputSize": 2, "weightInitStd": 0.01, "activation": "Relu", "seed": 0}
    header = {"__metadata__": {"network": "TwoLayerNet", "args": json.dumps(args), "written_by": "make_reference.py"}}
    header.update(sorted(tensors.items()))
    text = json.dumps(header).encode("utf-8")
    text += b" " * (-len(text) % 8)   # the specification allows trailing spaces; they align the data to 8 bytes
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


def check(path):
    """Reads a safetensors file, checks that the tensors tile the data, and prints each one."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    data = blob[8 + n:]
    print("metadata:", header.pop("__metadata__", None))
    end = 0
    for name, info in sorted(header.items(), key=lambda item: item[1]["data_offsets"]):
        begin, stop = info["data_offsets"]
        assert info["dtype"] == "F32" and begin == end, (name, info, end)
        count = 1
        for d in info["shape"]:
            count *= d
        assert stop - begin == 4 * count, (name, info)
        print(name, info["shape"], struct.unpack("<%df" % count, data[begin:stop])[:6])
        end = stop
    assert end == len(data), "bytes after the last tensor"
    print("ok:", len(header), "tensors,", len(data), "data bytes")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "check":
        check(sys.argv[2])
    else:
        write("two_layer_net.safetensors")
