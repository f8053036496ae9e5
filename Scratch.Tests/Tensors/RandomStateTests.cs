using System.Text.Json;
using NUnit.Framework;
using Scratch.Tensors;

namespace Scratch.Tests.Tensors;

/// <summary>
/// <see cref="RandomState"/> against numpy.random.RandomState, compared exactly (doubles bit for bit).
/// The recordings in TestData/random/seed_*.json were made by TestData/random/record.py with NumPy 1.24
/// (Debian's python3-numpy); each case starts from a fresh RandomState(seed).
/// </summary>
public sealed class RandomStateTests
{
    private static readonly uint[] Seeds = [0, 1, 42, 12345, uint.MaxValue];

    private static readonly Dictionary<uint, JsonElement> Recordings = [];

    private static JsonElement Case(uint seed, string name)
    {
        lock (Recordings)
        {
            if (!Recordings.TryGetValue(seed, out JsonElement cases))
            {
                string path = Path.Combine(TestContext.CurrentContext.TestDirectory, "TestData", "random", $"seed_{seed}.json");
                using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
                Assert.That(doc.RootElement.GetProperty("seed").GetUInt32(), Is.EqualTo(seed));
                cases = doc.RootElement.GetProperty("cases").Clone();
                Recordings[seed] = cases;
            }
            return cases.GetProperty(name);
        }
    }

    private static double[] Doubles(uint seed, string name) =>
        [.. Case(seed, name).EnumerateArray().Select(e => e.GetDouble())];

    private static long[] Longs(uint seed, string name) =>
        [.. Case(seed, name).EnumerateArray().Select(e => e.GetInt64())];

    private static int[] Ints(uint seed, string name) =>
        [.. Case(seed, name).EnumerateArray().Select(e => e.GetInt32())];

    private static void AssertExact(double[] actual, double[] expected, string what)
    {
        Assert.That(actual, Is.EqualTo(expected).AsCollection, what);
        Assert.That(actual.Select(BitConverter.DoubleToInt64Bits), Is.EqualTo(expected.Select(BitConverter.DoubleToInt64Bits)),
            $"{what}: bit patterns");
    }

    private static void AssertExact(float[] actual, double[] expected, string what)
    {
        // the recording holds each float32 widened to double, which is exact
        float[] expected32 = [.. expected.Select(v => (float)v)];
        Assert.That(expected32.Select(v => (double)v), Is.EqualTo(expected).AsCollection, $"{what}: recording is float32");
        Assert.That(actual.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(expected32.Select(BitConverter.SingleToInt32Bits)),
            $"{what}: bit patterns of {string.Join(", ", actual)}");
    }

    // ---- engine and uniform doubles ----

    [TestCaseSource(nameof(Seeds))]
    public void Seed_StateWords_MatchNumPyGetState(uint seed)
    {
        var rs = new RandomState(seed);
        ReadOnlySpan<uint> key = rs.Engine.Key;
        Assert.That(new long[] { key[0], key[1], key[2], key[3] }, Is.EqualTo(Longs(seed, "key_head")));
        Assert.That(new long[] { key[^2], key[^1] }, Is.EqualTo(Longs(seed, "key_tail")));
    }

    [TestCaseSource(nameof(Seeds))]
    public void Rand_MatchesNumPyRandomSample(uint seed)
    {
        AssertExact(new RandomState(seed).Rand(20), Doubles(seed, "rand20"), "random_sample(20)");

        var rs = new RandomState(seed);
        AssertExact([rs.Rand(), rs.Rand(), rs.Rand()], Doubles(seed, "rand_scalar3"), "random_sample() x3");
    }

    [TestCaseSource(nameof(Seeds))]
    public void Rand_AcrossStateRefills_MatchesNumPy(uint seed)
    {
        // 2000 doubles = 4000 words: crosses six regenerations of the 624-word state
        AssertExact(new RandomState(seed).Rand(2000)[^5..], Doubles(seed, "rand_2000_tail5"), "rand(2000)[-5:]");
        AssertExact(new RandomState(seed).Randn(2001)[^5..], Doubles(seed, "randn_2001_tail5"), "randn(2001)[-5:]");
    }

    [TestCaseSource(nameof(Seeds))]
    public void Uniform_MatchesNumPy(uint seed)
    {
        AssertExact(new RandomState(seed).Uniform(-1, 1, 5), Doubles(seed, "uniform_m1_1_x5"), "uniform(-1, 1, 5)");

        var rs = new RandomState(seed);
        AssertExact([rs.Uniform(2, 5), rs.Uniform(2, 5)], Doubles(seed, "uniform_scalar_2_5"), "uniform(2, 5) x2");
    }

    // ---- Gaussians and the cached second value ----

    [TestCaseSource(nameof(Seeds))]
    public void Randn_MatchesNumPy(uint seed)
    {
        AssertExact(new RandomState(seed).Randn(20), Doubles(seed, "randn20"), "randn(20)");
    }

    [TestCaseSource(nameof(Seeds))]
    public void Randn_OddCount_CachedValuePersistsToNextCall(uint seed)
    {
        var rs = new RandomState(seed);
        AssertExact([.. rs.Randn(3), .. rs.Randn(2)], Doubles(seed, "randn3_randn2"), "randn(3), randn(2)");
    }

    [TestCaseSource(nameof(Seeds))]
    public void Randn_RandInBetween_KeepsCachedGaussian(uint seed)
    {
        var rs = new RandomState(seed);
        AssertExact([rs.Randn(), rs.Rand(), rs.Randn()], Doubles(seed, "randn1_rand1_randn1"), "randn(), rand(), randn()");
    }

    [TestCaseSource(nameof(Seeds))]
    public void Seed_ClearsCachedGaussian(uint seed)
    {
        var rs = new RandomState(seed);
        rs.Randn();
        rs.Seed(seed);
        AssertExact(rs.Randn(3), Doubles(seed, "randn1_seed_randn3"), "randn(); seed(); randn(3)");
    }

    [TestCaseSource(nameof(Seeds))]
    public void Normal_MatchesNumPy(uint seed)
    {
        AssertExact(new RandomState(seed).Normal(3, 2, 5), Doubles(seed, "normal_3_2_x5"), "normal(3, 2, 5)");

        var rs = new RandomState(seed);
        AssertExact([rs.Normal(3, 2), rs.Normal(3, 2), rs.Normal(3, 2)], Doubles(seed, "normal_scalar_3_2"), "normal(3, 2) x3");
    }

    // ---- float32 fills ----

    [TestCaseSource(nameof(Seeds))]
    public void FillNormal_MatchesNumPyRandnTimesStdPlusMeanAsFloat32(uint seed)
    {
        var a = new float[10];
        new RandomState(seed).FillNormal(a, std: 0.01);
        AssertExact(a, Doubles(seed, "f32_randn10_x0.01"), "(randn(10) * 0.01).astype(float32)");

        var b = new float[11];
        new RandomState(seed).FillNormal(b, mean: 3, std: 2);
        AssertExact(b, Doubles(seed, "f32_randn11_x2_p3"), "(randn(11) * 2 + 3).astype(float32)");
    }

    [TestCaseSource(nameof(Seeds))]
    public void FillUniform_FillRand_MatchNumPyAsFloat32(uint seed)
    {
        var u = new float[10];
        new RandomState(seed).FillUniform(u, -0.5, 0.5);
        AssertExact(u, Doubles(seed, "f32_uniform_m0.5_0.5_x10"), "uniform(-0.5, 0.5, 10).astype(float32)");

        var r = new float[10];
        new RandomState(seed).FillRand(r);
        AssertExact(r, Doubles(seed, "f32_rand10"), "rand(10).astype(float32)");
    }

    // ---- integers ----

    [TestCaseSource(nameof(Seeds))]
    public void RandInt_SmallRanges_MatchNumPy(uint seed)
    {
        Assert.That(new RandomState(seed).RandInt(0, 10, 30), Is.EqualTo(Ints(seed, "randint_0_10_x30")));
        Assert.That(new RandomState(seed).RandInt(-1000, 1000000, 20), Is.EqualTo(Ints(seed, "randint_m1000_1000000_x20")));
        Assert.That(new RandomState(seed).RandInt(int.MinValue, int.MaxValue, 10), Is.EqualTo(Ints(seed, "randint_int32_full_x10")));

        var rs = new RandomState(seed);
        Assert.That(new[] { rs.RandInt(0, 10), rs.RandInt(0, 10), rs.RandInt(0, 10) }, Is.EqualTo(Ints(seed, "randint_scalar_3")));
    }

    [TestCaseSource(nameof(Seeds))]
    public void RandInt_OneValueRange_DrawsNothing(uint seed)
    {
        Assert.That(new RandomState(seed).RandInt(7, 8, 5), Is.EqualTo(Ints(seed, "randint_7_8_x5")));

        var rs = new RandomState(seed);
        AssertExact([rs.RandInt(7, 8), rs.Rand()], Doubles(seed, "randint_7_8_then_rand"), "randint(7, 8), rand()");
    }

    [TestCaseSource(nameof(Seeds))]
    public void RandInt_Int64Ranges_MatchNumPy(uint seed)
    {
        // high - low = 2^32: the range 0..2^32-1 takes raw 32-bit draws; one more needs 64-bit draws
        Assert.That(new RandomState(seed).RandInt(0L, 1L << 32, 10), Is.EqualTo(Longs(seed, "randint_0_2p32_x10")));
        Assert.That(new RandomState(seed).RandInt(0L, (1L << 32) + 1, 10), Is.EqualTo(Longs(seed, "randint_0_2p32p1_x10")));
        Assert.That(new RandomState(seed).RandInt(-5L, 1L << 40, 10), Is.EqualTo(Longs(seed, "randint_m5_2p40_x10")));

        var rs = new RandomState(seed);
        Assert.That(rs.RandInt(-5L, 1L << 40), Is.EqualTo(Longs(seed, "randint_m5_2p40_x10")[0]));
    }

    [Test]
    public void RandInt_FullInt64Range_StaysInRange()
    {
        var rs = new RandomState(3);
        long[] values = rs.RandInt(long.MinValue, long.MaxValue, 1000);
        Assert.That(values, Has.None.EqualTo(long.MaxValue));
        Assert.That(values.Count(v => v < 0), Is.InRange(400, 600));   // about half are negative
    }

    // ---- permutations and choice ----

    [TestCaseSource(nameof(Seeds))]
    public void Permutation_MatchesNumPy(uint seed)
    {
        Assert.That(new RandomState(seed).Permutation(10), Is.EqualTo(Ints(seed, "permutation10")));
        Assert.That(new RandomState(seed).Permutation(100), Is.EqualTo(Ints(seed, "permutation100")));
    }

    [TestCaseSource(nameof(Seeds))]
    public void Shuffle_MatchesNumPyOnArangeAndOnAnyElementType(uint seed)
    {
        int[] a = [.. Enumerable.Range(0, 20)];
        new RandomState(seed).Shuffle(a);
        Assert.That(a, Is.EqualTo(Ints(seed, "shuffle_arange20")));

        string[] s = [.. Enumerable.Range(0, 20).Select(i => $"#{i}")];
        new RandomState(seed).Shuffle(s);
        Assert.That(s, Is.EqualTo(a.Select(i => $"#{i}")));
    }

    [TestCaseSource(nameof(Seeds))]
    public void Choice_MatchesNumPy(uint seed)
    {
        Assert.That(new RandomState(seed).Choice(60000, 100), Is.EqualTo(Ints(seed, "choice_60000_100")));
        Assert.That(new RandomState(seed).Choice(10, 5, replace: false), Is.EqualTo(Ints(seed, "choice_10_5_noreplace")));
    }

    [Test]
    public void Shuffle_EmptyAndSingle_DrawNothing()
    {
        var rs = new RandomState(42);
        rs.Shuffle(Span<int>.Empty);
        int[] one = [5];
        rs.Shuffle(one);
        Assert.That(one, Is.EqualTo(new[] { 5 }));
        Assert.That(rs.Rand(), Is.EqualTo(new RandomState(42).Rand()));
    }

    // ---- determinism ----

    [Test]
    public void SameSeed_TwoInstances_GiveIdenticalMixedSequences()
    {
        static double[] Run(RandomState rs)
        {
            var f = new float[7];
            rs.FillNormal(f, 0, 0.01);
            return [.. rs.Randn(3), rs.Rand(), rs.RandInt(0, 1000), .. rs.Permutation(9).Select(i => (double)i),
                    rs.Normal(1, 2), rs.Uniform(-3, 3), .. f.Select(v => (double)v), rs.RandInt(0L, 1L << 50),
                    .. rs.Choice(100, 10, replace: false).Select(i => (double)i)];
        }

        double[] first = Run(new RandomState(2024));
        double[] second = Run(new RandomState(2024));
        AssertExact(second, first, "same seed");
        Assert.That(Run(new RandomState(2025)), Is.Not.EqualTo(first));
    }

    [Test]
    public void Seed_RestartsTheSequence()
    {
        var rs = new RandomState(7);
        double[] first = [.. rs.Randn(5), .. rs.Rand(3)];
        rs.Seed(7);
        AssertExact([.. rs.Randn(5), .. rs.Rand(3)], first, "after Seed(7)");
    }

    // ---- argument errors ----

    [Test]
    public void RandInt_LowNotBelowHigh_Throws()
    {
        var rs = new RandomState(0);
        var ex = Assert.Throws<ArgumentException>(() => rs.RandInt(5, 5));
        Assert.That(ex.Message, Does.StartWith("RandomState.RandInt: low (5) must be less than high (5)."));
        Assert.That(ex.ParamName, Is.EqualTo("low"));
        Assert.Throws<ArgumentException>(() => rs.RandInt(3, 2, 4));
        Assert.Throws<ArgumentException>(() => rs.RandInt(10L, -10L));
        Assert.Throws<ArgumentException>(() => rs.RandInt(long.MaxValue, long.MaxValue, 1));
    }

    [Test]
    public void NegativeCounts_Throw()
    {
        var rs = new RandomState(0);
        var ex = Assert.Throws<ArgumentException>(() => rs.Rand(-1));
        Assert.That(ex.Message, Does.StartWith("RandomState.Rand: n (-1) must not be negative."));
        Assert.That(ex.ParamName, Is.EqualTo("n"));
        Assert.Throws<ArgumentException>(() => rs.Randn(-2));
        Assert.Throws<ArgumentException>(() => rs.RandInt(0, 10, -3));
        Assert.Throws<ArgumentException>(() => rs.Uniform(0, 1, -1));
        Assert.Throws<ArgumentException>(() => rs.Normal(0, 1, -1));
        Assert.That(Assert.Throws<ArgumentException>(() => rs.Permutation(-4)).Message,
            Does.StartWith("RandomState.Permutation: n (-4) must not be negative."));
        Assert.That(Assert.Throws<ArgumentException>(() => rs.Choice(10, -1)).Message,
            Does.StartWith("RandomState.Choice: size (-1) must not be negative."));
    }

    [Test]
    public void Choice_BadPopulationOrSize_Throws()
    {
        var rs = new RandomState(0);
        var ex = Assert.Throws<ArgumentException>(() => rs.Choice(0, 3));
        Assert.That(ex.Message, Does.StartWith("RandomState.Choice: a (0) must be positive."));
        Assert.That(ex.ParamName, Is.EqualTo("a"));
        ex = Assert.Throws<ArgumentException>(() => rs.Choice(10, 11, replace: false));
        Assert.That(ex.Message, Does.StartWith("RandomState.Choice: size (11) must not exceed a (10) without replacement."));
        Assert.That(ex.ParamName, Is.EqualTo("size"));
        Assert.That(rs.Choice(10, 11), Has.Length.EqualTo(11));   // with replacement, fine
    }

    [Test]
    public void UniformAndNormal_BadParameters_Throw()
    {
        var rs = new RandomState(0);
        var ex = Assert.Throws<ArgumentException>(() => rs.Uniform(2, 1));
        Assert.That(ex.Message, Does.StartWith("RandomState.Uniform: low (2) must not exceed high (1)."));
        Assert.Throws<ArgumentException>(() => rs.Uniform(0, double.PositiveInfinity));
        Assert.Throws<ArgumentException>(() => rs.FillUniform(new float[3], double.NaN, 1));
        ex = Assert.Throws<ArgumentException>(() => rs.Normal(0, -0.5));
        Assert.That(ex.Message, Does.StartWith("RandomState.Normal: scale (-0.5) must not be negative."));
        ex = Assert.Throws<ArgumentException>(() => rs.FillNormal(new float[3], 0, -1));
        Assert.That(ex.ParamName, Is.EqualTo("std"));
        Assert.That(rs.Uniform(4, 4), Is.EqualTo(4.0));   // NumPy returns low for an empty range
    }

    // ---- saving and restoring the state ----

    [Test]
    public void GetState_AfterAnOddGaussianCount_MatchesNumPyGetState()
    {
        var rs = new RandomState(5);
        rs.Randn(3);   // NumPy 1.24: r = RandomState(5); r.randn(3); r.get_state()
        MersenneTwisterState state = rs.GetState();
        Assert.Multiple(() =>
        {
            Assert.That(state.Key, Has.Length.EqualTo(624));
            Assert.That(state.Key[..3], Is.EqualTo(new uint[] { 4081643083, 713234725, 1676298141 }));
            Assert.That((state.Position, state.HasGauss, state.CachedGaussian), Is.EqualTo((12, true, -0.2520921296030769)));
            Assert.That(rs.Randn(), Is.EqualTo(-0.2520921296030769));   // the cached value comes next, then a fresh uniform
            Assert.That(rs.Rand(), Is.EqualTo(0.7659078564803156));
        });
    }

    [Test]
    public void SetState_OnAnotherGenerator_RepeatsEveryDrawThatFollowed()
    {
        var source = new RandomState(7);
        source.Randn(5);
        source.Rand(700);                                     // past a regeneration of the key
        MersenneTwisterState state = source.GetState();
        double[] expected = [.. source.Randn(3), .. source.Rand(650), source.RandInt(0, 1000)];

        var copy = new RandomState(99);
        copy.SetState(state);
        state.Key[0] ^= 1;                                   // the generator holds its own copy
        double[] actual = [.. copy.Randn(3), .. copy.Rand(650), copy.RandInt(0, 1000)];
        Assert.That(actual, Is.EqualTo(expected));
    }

    [Test]
    public void SetState_RejectsAWrongKeyLengthOrPosition()
    {
        var rs = new RandomState(0);
        Assert.Multiple(() =>
        {
            Assert.That(() => rs.SetState(new MersenneTwisterState(new uint[623], 0, false, 0)),
                Throws.ArgumentException.With.Message.EqualTo("RandomState.SetState: the key must hold 624 words, got 623. (Parameter 'state')"));
            Assert.That(() => rs.SetState(new MersenneTwisterState(new uint[624], 625, false, 0)),
                Throws.ArgumentException.With.Message.Contains("the position must be in [0, 624], got 625"));
        });
    }
}
