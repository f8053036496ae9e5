using System.Diagnostics;
using System.Numerics;
using static System.FormattableString;

namespace Scratch.Tensors;

/// <summary>A seeded random generator that reproduces NumPy's legacy <c>numpy.random.RandomState</c> bit for bit.</summary>
/// <remarks>
/// <para>
/// <c>new RandomState(seed)</c> followed by the same calls as <c>np.random.seed(seed)</c> (or
/// <c>np.random.RandomState(seed)</c>) and the matching NumPy functions returns the same doubles and the
/// same integers, so code seeded as in <i>Deep Learning from Scratch</i> gets the book's numbers. The
/// results depend only on the seed and the sequence of calls, not on the process or the thread count.
/// Checked against recordings from NumPy 1.24 (<c>Scratch.Tests/TestData/random</c>).
/// </para>
/// <para>
/// One platform caveat: the Gaussian methods call <see cref="Math.Log(double)"/>, which .NET takes from the C
/// library. On Linux that is the same glibc <c>log</c> NumPy calls (a million <c>randn</c> values compared
/// equal); a C library that rounds a logarithm differently could change a Gaussian in its last bits.
/// Integers, permutations and uniform doubles use only exact integer and float arithmetic.
/// </para>
/// <para>
/// Each method consumes exactly the draws NumPy consumes, so calls can be mixed freely: <see cref="Randn()"/>
/// keeps the second Gaussian of each pair for the next call (of any Gaussian method), as NumPy does.
/// An instance is not thread-safe; give each thread its own.
/// </para>
/// </remarks>
public sealed class RandomState
{
    private readonly Mt19937 _mt;
    private bool _hasGauss;   // legacy_gauss keeps the second value of each polar pair
    private double _gauss;

    /// <summary>A generator seeded with <paramref name="seed"/>.</summary>
    /// <remarks>Same state as <c>np.random.RandomState(seed)</c>.</remarks>
    public RandomState(uint seed) => _mt = new Mt19937(seed);

    /// <summary>The MT19937 engine, for tests that compare its state words with NumPy's <c>get_state()</c>.</summary>
    internal Mt19937 Engine => _mt;

    /// <summary>Restarts the sequence from <paramref name="seed"/>, dropping any cached Gaussian.</summary>
    /// <remarks>Reproduces <c>RandomState.seed(seed)</c> (and so <c>np.random.seed(seed)</c>) for an integer seed.</remarks>
    public void Seed(uint seed)
    {
        _mt.Seed(seed);
        _hasGauss = false;
        _gauss = 0;
    }

    /// <summary>The generator's whole state: the 624 key words, the position and the cached Gaussian.</summary>
    /// <remarks>Equals NumPy's <c>get_state()</c> = <c>('MT19937', key, pos, has_gauss, cached_gaussian)</c>. The result is a
    /// copy: drawing more numbers does not change it, and <see cref="SetState"/> with it repeats every draw that followed.</remarks>
    public MersenneTwisterState GetState() => new(_mt.Key.ToArray(), _mt.Position, _hasGauss, _hasGauss ? _gauss : 0);

    /// <summary>Restores a state taken by <see cref="GetState"/> (or NumPy's <c>get_state()</c>): the next draws repeat the ones that followed it.</summary>
    /// <remarks>Reproduces <c>set_state(('MT19937', key, pos, has_gauss, cached_gaussian))</c>. The key is copied.</remarks>
    /// <exception cref="ArgumentException">The key does not hold 624 words, or the position is outside [0, 624].</exception>
    public void SetState(MersenneTwisterState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(state.Key, nameof(state));
        if (state.Key.Length != Mt19937.N)
            throw new ArgumentException(Invariant($"RandomState.SetState: the key must hold {Mt19937.N} words, got {state.Key.Length}."), nameof(state));
        if (state.Position is < 0 or > Mt19937.N)
            throw new ArgumentException(Invariant($"RandomState.SetState: the position must be in [0, {Mt19937.N}], got {state.Position}."), nameof(state));
        _mt.SetState(state.Key, state.Position);
        _hasGauss = state.HasGauss;
        _gauss = state.HasGauss ? state.CachedGaussian : 0;
    }

    // ---- uniform doubles ------------------------------------------------------------------------

    /// <summary>A double uniform on [0, 1), with 53 random bits.</summary>
    /// <remarks>Reproduces <c>random_sample()</c> / <c>rand()</c>; uses two 32-bit draws.</remarks>
    public double Rand() => _mt.NextDouble();

    /// <summary><paramref name="n"/> doubles uniform on [0, 1).</summary>
    /// <remarks>Reproduces <c>random_sample(n)</c> / <c>rand(n)</c>.</remarks>
    public double[] Rand(int n)
    {
        var result = new double[CheckCount(n, nameof(Rand))];
        for (int i = 0; i < result.Length; i++)
            result[i] = _mt.NextDouble();
        return result;
    }

    /// <summary>A double uniform on [<paramref name="low"/>, <paramref name="high"/>): <c>low + (high − low)·u</c>.</summary>
    /// <remarks>Reproduces <c>uniform(low, high)</c>. <c>low == high</c> returns <c>low</c>, as NumPy does;
    /// <c>low &gt; high</c> (undefined in NumPy) and a non-finite range throw.</remarks>
    public double Uniform(double low, double high)
    {
        double range = CheckUniform(low, high, nameof(Uniform));
        return low + range * _mt.NextDouble();
    }

    /// <summary><paramref name="n"/> doubles uniform on [<paramref name="low"/>, <paramref name="high"/>).</summary>
    /// <remarks>Reproduces <c>uniform(low, high, n)</c>.</remarks>
    public double[] Uniform(double low, double high, int n)
    {
        double range = CheckUniform(low, high, nameof(Uniform));
        var result = new double[CheckCount(n, nameof(Uniform))];
        for (int i = 0; i < result.Length; i++)
            result[i] = low + range * _mt.NextDouble();
        return result;
    }

    // ---- Gaussian doubles -----------------------------------------------------------------------

    /// <summary>A standard normal double (mean 0, standard deviation 1).</summary>
    /// <remarks>
    /// Reproduces <c>randn()</c> / <c>standard_normal()</c>: NumPy's <c>legacy_gauss</c>, the polar
    /// Box–Muller method. Each accepted pair (x1, x2) gives <c>f·x2</c> now and keeps <c>f·x1</c> for the
    /// next Gaussian, even across calls and across other methods in between.
    /// </remarks>
    public double Randn() => Gauss();

    /// <summary><paramref name="n"/> standard normal doubles.</summary>
    /// <remarks>Reproduces <c>randn(n)</c> / <c>standard_normal(n)</c>; an odd count leaves a cached value
    /// for the next call, as in NumPy.</remarks>
    public double[] Randn(int n)
    {
        var result = new double[CheckCount(n, nameof(Randn))];
        for (int i = 0; i < result.Length; i++)
            result[i] = Gauss();
        return result;
    }

    /// <summary>A normal double with mean <paramref name="loc"/> and standard deviation <paramref name="scale"/>: <c>loc + scale·z</c>.</summary>
    /// <remarks>Reproduces <c>normal(loc, scale)</c> (NumPy's <c>legacy_normal</c>).</remarks>
    public double Normal(double loc, double scale)
    {
        CheckScale(scale, nameof(Normal));
        return loc + scale * Gauss();
    }

    /// <summary><paramref name="n"/> normal doubles with mean <paramref name="loc"/> and standard deviation <paramref name="scale"/>.</summary>
    /// <remarks>Reproduces <c>normal(loc, scale, n)</c>.</remarks>
    public double[] Normal(double loc, double scale, int n)
    {
        CheckScale(scale, nameof(Normal));
        var result = new double[CheckCount(n, nameof(Normal))];
        for (int i = 0; i < result.Length; i++)
            result[i] = loc + scale * Gauss();
        return result;
    }

    // ---- float32 fills for the tensor library ---------------------------------------------------

    /// <summary>Fills <paramref name="dst"/> with <c>(float)(z·std + mean)</c>, z standard normal, in order.</summary>
    /// <remarks>
    /// Equals <c>(np.random.randn(n) * std + mean).astype(np.float32)</c>: the product and the sum are
    /// done in double, then rounded once to float. <paramref name="mean"/> and <paramref name="std"/> are
    /// doubles on purpose: the book's <c>0.01 * randn(...)</c> multiplies by the double 0.01, and passing
    /// <c>0.01f</c> (0.009999999776…) instead would round some elements differently.
    /// </remarks>
    public void FillNormal(Span<float> dst, double mean = 0, double std = 1)
    {
        CheckScale(std, nameof(FillNormal), nameof(std));
        for (int i = 0; i < dst.Length; i++)
            dst[i] = (float)(Gauss() * std + mean);
    }

    /// <summary>Fills <paramref name="dst"/> with <c>(float)(low + (high − low)·u)</c>, u uniform on [0, 1), in order.</summary>
    /// <remarks>Equals <c>np.random.uniform(low, high, n).astype(np.float32)</c>. The rounding to float can
    /// give exactly <paramref name="high"/> when u is within half a float ulp of 1.</remarks>
    public void FillUniform(Span<float> dst, double low, double high)
    {
        double range = CheckUniform(low, high, nameof(FillUniform));
        for (int i = 0; i < dst.Length; i++)
            dst[i] = (float)(low + range * _mt.NextDouble());
    }

    /// <summary>Fills <paramref name="dst"/> with <c>(float)u</c>, u uniform on [0, 1), in order.</summary>
    /// <remarks>Equals <c>np.random.rand(n).astype(np.float32)</c>; the rounding can give 1.0f.</remarks>
    public void FillRand(Span<float> dst)
    {
        for (int i = 0; i < dst.Length; i++)
            dst[i] = (float)_mt.NextDouble();
    }

    // ---- integers -------------------------------------------------------------------------------

    /// <summary>An integer uniform on [<paramref name="low"/>, <paramref name="high"/>).</summary>
    /// <remarks>Reproduces <c>randint(low, high)</c> with the default int64 dtype: masked rejection
    /// sampling on 32-bit draws (every <see cref="int"/> range fits in 32 bits).</remarks>
    public int RandInt(int low, int high)
    {
        CheckRange(low, high, nameof(RandInt));
        return (int)((ulong)(long)low + Bounded((ulong)((long)high - 1 - low)));
    }

    /// <summary><paramref name="n"/> integers uniform on [<paramref name="low"/>, <paramref name="high"/>).</summary>
    /// <remarks>Reproduces <c>randint(low, high, n)</c>.</remarks>
    public int[] RandInt(int low, int high, int n)
    {
        CheckRange(low, high, nameof(RandInt));
        var result = new int[CheckCount(n, nameof(RandInt))];
        ulong rng = (ulong)((long)high - 1 - low);
        for (int i = 0; i < result.Length; i++)
            result[i] = (int)((ulong)(long)low + Bounded(rng));
        return result;
    }

    /// <summary>A 64-bit integer uniform on [<paramref name="low"/>, <paramref name="high"/>).</summary>
    /// <remarks>Reproduces <c>randint(low, high)</c> with the default int64 dtype: masked rejection
    /// sampling on 32-bit draws when <c>high − low − 1 &lt; 2³²</c>, else on 64-bit draws (two 32-bit
    /// draws, high word first).</remarks>
    public long RandInt(long low, long high)
    {
        CheckRange(low, high, nameof(RandInt));
        return (long)((ulong)low + Bounded((ulong)high - 1 - (ulong)low));
    }

    /// <summary><paramref name="n"/> 64-bit integers uniform on [<paramref name="low"/>, <paramref name="high"/>).</summary>
    /// <remarks>Reproduces <c>randint(low, high, n)</c> with the default int64 dtype.</remarks>
    public long[] RandInt(long low, long high, int n)
    {
        CheckRange(low, high, nameof(RandInt));
        var result = new long[CheckCount(n, nameof(RandInt))];
        ulong rng = (ulong)high - 1 - (ulong)low;   // high − 1 − low, mod 2⁶⁴: always fits in ulong
        for (int i = 0; i < result.Length; i++)
            result[i] = (long)((ulong)low + Bounded(rng));
        return result;
    }

    /// <summary>0, 1, …, <paramref name="n"/> − 1 in a random order.</summary>
    /// <remarks>Reproduces <c>permutation(n)</c>: <c>arange(n)</c> then <see cref="Shuffle{T}"/>.</remarks>
    public int[] Permutation(int n)
    {
        var result = new int[CheckCount(n, nameof(Permutation))];
        for (int i = 0; i < result.Length; i++)
            result[i] = i;
        Shuffle(result);
        return result;
    }

    /// <summary>Shuffles <paramref name="items"/> in place.</summary>
    /// <remarks>Reproduces <c>shuffle(x)</c> on a 1-D array: Fisher–Yates from the end, swapping
    /// <c>x[i]</c> with <c>x[j]</c>, j drawn by <c>random_interval(i)</c> (masked rejection) for
    /// i = n − 1 down to 1.</remarks>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = (int)Interval((ulong)i);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary><paramref name="size"/> integers drawn from [0, <paramref name="a"/>), with or without replacement.</summary>
    /// <remarks>Reproduces <c>choice(a, size, replace)</c> for an integer <c>a</c> and no <c>p</c>: with
    /// replacement it is <c>randint(0, a, size)</c>; without, <c>permutation(a)[:size]</c>, which
    /// shuffles all of <paramref name="a"/> (so it costs O(a) time and memory, and draws as NumPy does).</remarks>
    public int[] Choice(int a, int size, bool replace = true)
    {
        if (a <= 0)
            throw new ArgumentException(Invariant($"RandomState.Choice: a ({a}) must be positive."), nameof(a));
        CheckCount(size, nameof(Choice), nameof(size));
        if (replace)
            return RandInt(0, a, size);
        if (size > a)
            throw new ArgumentException(
                Invariant($"RandomState.Choice: size ({size}) must not exceed a ({a}) without replacement."), nameof(size));
        return Permutation(a)[..size];
    }

    // ---- the algorithms ---------------------------------------------------------------------------

    /// <summary>NumPy's <c>legacy_gauss</c>: polar Box–Muller with one cached value.</summary>
    private double Gauss()
    {
        if (_hasGauss)
        {
            _hasGauss = false;
            double cached = _gauss;
            _gauss = 0;
            return cached;
        }
        double x1, x2, r2;
        do
        {
            x1 = 2.0 * _mt.NextDouble() - 1.0;
            x2 = 2.0 * _mt.NextDouble() - 1.0;
            r2 = x1 * x1 + x2 * x2;                   // two roundings, no FMA, as NumPy's x86-64 build
        }
        while (r2 >= 1.0 || r2 == 0.0);
        double f = Math.Sqrt(-2.0 * Math.Log(r2) / r2);
        _gauss = f * x1;
        _hasGauss = true;
        return f * x2;
    }

    /// <summary>A value uniform on [0, <paramref name="rng"/>]: NumPy's <c>random_bounded_uint64</c>, masked.</summary>
    /// <remarks>Draws <c>next &amp; mask</c> until it is ≤ rng, with the smallest all-ones mask ≥ rng;
    /// 32-bit draws when rng fits in 32 bits, else 64-bit. rng = 0 draws nothing.</remarks>
    private ulong Bounded(ulong rng)
    {
        if (rng == 0)
            return 0;
        if (rng <= uint.MaxValue)
        {
            if (rng == uint.MaxValue)
                return _mt.NextUInt32();
            uint mask32 = (uint)Mask(rng);
            uint v32;
            while ((v32 = _mt.NextUInt32() & mask32) > rng) { }
            return v32;
        }
        if (rng == ulong.MaxValue)
            return _mt.NextUInt64();
        ulong mask = Mask(rng);
        ulong v;
        while ((v = _mt.NextUInt64() & mask) > rng) { }
        return v;
    }

    /// <summary>A value uniform on [0, <paramref name="max"/>]: NumPy's <c>random_interval</c>, used by shuffle.</summary>
    /// <remarks>Same masked rejection as <see cref="Bounded"/>, except that max = 2³² − 1 still goes
    /// through the (never rejecting) 32-bit loop; the draws are the same.</remarks>
    private ulong Interval(ulong max)
    {
        if (max == 0)
            return 0;
        ulong mask = Mask(max);
        if (max <= uint.MaxValue)
        {
            ulong v32;
            while ((v32 = _mt.NextUInt32() & mask) > max) { }
            return v32;
        }
        ulong v;
        while ((v = _mt.NextUInt64() & mask) > max) { }
        return v;
    }

    /// <summary>The smallest 2ᵏ − 1 ≥ <paramref name="max"/> (NumPy's <c>gen_mask</c>).</summary>
    private static ulong Mask(ulong max)
    {
        Debug.Assert(max != 0);
        return ulong.MaxValue >> BitOperations.LeadingZeroCount(max);
    }

    // ---- argument checks --------------------------------------------------------------------------

    private static int CheckCount(int n, string method, string paramName = "n")
    {
        if (n < 0)
            throw new ArgumentException(Invariant($"RandomState.{method}: {paramName} ({n}) must not be negative."), paramName);
        return n;
    }

    private static void CheckRange(long low, long high, string method)
    {
        if (low >= high)
            throw new ArgumentException(Invariant($"RandomState.{method}: low ({low}) must be less than high ({high})."), nameof(low));
    }

    private static double CheckUniform(double low, double high, string method)
    {
        double range = high - low;
        if (!double.IsFinite(range))
            throw new ArgumentException(
                Invariant($"RandomState.{method}: high - low must be finite, got low ({low}) and high ({high})."), nameof(high));
        if (low > high)
            throw new ArgumentException(Invariant($"RandomState.{method}: low ({low}) must not exceed high ({high})."), nameof(low));
        return range;
    }

    private static void CheckScale(double scale, string method, string paramName = "scale")
    {
        if (!(scale >= 0))   // also rejects NaN
            throw new ArgumentException(Invariant($"RandomState.{method}: {paramName} ({scale}) must not be negative."), paramName);
    }
}
