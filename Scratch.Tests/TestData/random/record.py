"""Records numpy.random.RandomState outputs for RandomStateTests.

Run from this folder with Debian's NumPy 1.24 (package python3-numpy):

    /usr/bin/python3 record.py

It writes seed_<seed>.json for each seed below. Every case starts from a fresh
RandomState(seed) and lists its calls in order, so a case like "randn3_randn2"
checks the cached second Gaussian across calls. Doubles are written by json,
which uses repr (shortest round-trip form), so parsing them back is exact.
Integers are plain JSON integers; float32 results are written as the double
they widen to, which is exact too.
"""
import json

import numpy as np

SEEDS = [0, 1, 42, 12345, 2**32 - 1]


def floats(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def ints(a):
    return [int(v) for v in np.asarray(a).ravel()]


def cases(seed):
    def fresh():
        return np.random.RandomState(seed)

    out = {}

    rs = fresh()
    out["key_head"] = ints(rs.get_state()[1][:4])   # seeding: first words of mt19937 key
    out["key_tail"] = ints(rs.get_state()[1][-2:])

    out["rand20"] = floats(fresh().random_sample(20))
    rs = fresh()
    out["rand_scalar3"] = floats([rs.random_sample() for _ in range(3)])
    out["randn20"] = floats(fresh().randn(20))

    rs = fresh()   # odd count leaves a cached Gaussian for the next call
    out["randn3_randn2"] = floats(rs.randn(3)) + floats(rs.randn(2))

    rs = fresh()   # the cache survives a rand() in between
    out["randn1_rand1_randn1"] = floats([rs.randn(), rs.rand(), rs.randn()])

    rs = fresh()   # reseeding clears the cache
    rs.randn()
    rs.seed(seed)
    out["randn1_seed_randn3"] = floats(rs.randn(3))

    out["randint_0_10_x30"] = ints(fresh().randint(0, 10, 30))
    out["randint_m1000_1000000_x20"] = ints(fresh().randint(-1000, 1000000, 20))
    out["randint_int32_full_x10"] = ints(fresh().randint(-2**31, 2**31 - 1, 10))
    out["randint_0_2p32_x10"] = ints(fresh().randint(0, 2**32, 10))          # range 2^32: raw 32-bit draws
    out["randint_0_2p32p1_x10"] = ints(fresh().randint(0, 2**32 + 1, 10))    # range 2^32 + 1: 64-bit draws
    out["randint_m5_2p40_x10"] = ints(fresh().randint(-5, 2**40, 10))
    out["randint_7_8_x5"] = ints(fresh().randint(7, 8, 5))                   # one value: no draws
    rs = fresh()   # the degenerate range draws nothing, so the next call sees the first draw
    out["randint_7_8_then_rand"] = floats([rs.randint(7, 8), rs.rand()])

    rs = fresh()
    out["randint_scalar_3"] = ints([rs.randint(0, 10) for _ in range(3)])

    out["permutation10"] = ints(fresh().permutation(10))
    out["permutation100"] = ints(fresh().permutation(100))
    a = np.arange(20)
    fresh().shuffle(a)
    out["shuffle_arange20"] = ints(a)
    out["choice_60000_100"] = ints(fresh().choice(60000, 100))
    out["choice_10_5_noreplace"] = ints(fresh().choice(10, 5, replace=False))

    out["uniform_m1_1_x5"] = floats(fresh().uniform(-1, 1, 5))
    rs = fresh()
    out["uniform_scalar_2_5"] = floats([rs.uniform(2, 5), rs.uniform(2, 5)])
    out["normal_3_2_x5"] = floats(fresh().normal(3, 2, 5))
    rs = fresh()
    out["normal_scalar_3_2"] = floats([rs.normal(3, 2), rs.normal(3, 2), rs.normal(3, 2)])

    # float32 conveniences, as the book's init would compute them in float64 and then cast
    out["f32_randn10_x0.01"] = floats((fresh().randn(10) * 0.01).astype(np.float32))
    out["f32_randn11_x2_p3"] = floats((fresh().randn(11) * 2.0 + 3.0).astype(np.float32))
    out["f32_uniform_m0.5_0.5_x10"] = floats(fresh().uniform(-0.5, 0.5, 10).astype(np.float32))
    out["f32_rand10"] = floats(fresh().rand(10).astype(np.float32))

    # long runs that cross several 624-word refills of the state
    out["rand_2000_tail5"] = floats(fresh().rand(2000)[-5:])
    out["randn_2001_tail5"] = floats(fresh().randn(2001)[-5:])
    return out


def main():
    for seed in SEEDS:
        lines = [f' "numpy": {json.dumps(np.__version__)},', f' "seed": {seed},', ' "cases": {']
        body = [f'  {json.dumps(name)}: {json.dumps(values)}' for name, values in cases(seed).items()]
        lines.append(",\n".join(body))
        lines.append(" }")
        with open(f"seed_{seed}.json", "w") as f:   # one case per line
            f.write("{\n" + "\n".join(lines) + "\n}\n")


if __name__ == "__main__":
    main()
