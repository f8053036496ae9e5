using System.Diagnostics;

namespace Scratch.Tensors;

/// <summary>Mersenne Twister MT19937: 624 words of state, one tempered 32-bit word per draw.</summary>
/// <remarks>
/// The engine behind NumPy's <c>RandomState</c> (<c>mt19937.c</c> in <c>numpy/random/src/mt19937</c>),
/// itself the 2002 reference code of Matsumoto and Nishimura. The state is regenerated in one pass
/// every 624 draws.
/// </remarks>
internal sealed class Mt19937
{
    public const int N = 624;
    private const int M = 397;
    private const uint MatrixA = 0x9908b0df;
    private const uint UpperMask = 0x80000000;   // most significant bit
    private const uint LowerMask = 0x7fffffff;   // the other 31 bits

    private readonly uint[] _key = new uint[N];
    private int _pos;                            // next word of _key to temper; N means "regenerate first"

    public Mt19937(uint seed) => Seed(seed);

    /// <summary>The raw state words, for tests that compare with NumPy's <c>get_state()[1]</c>.</summary>
    public ReadOnlySpan<uint> Key => _key;

    /// <summary>The index of the next word of <see cref="Key"/> to temper, in [0, N]; N means "regenerate first".</summary>
    public int Position => _pos;

    /// <summary>Replaces the state with <paramref name="key"/> (N words) and <paramref name="position"/> (in [0, N]), as NumPy's <c>set_state</c>.</summary>
    public void SetState(ReadOnlySpan<uint> key, int position)
    {
        Debug.Assert(key.Length == N && position is >= 0 and <= N);
        key.CopyTo(_key);
        _pos = position;
    }

    /// <summary>Knuth's linear-congruential fill of the state from one 32-bit seed.</summary>
    /// <remarks><c>mt19937_seed</c>, i.e. the reference <c>init_genrand</c>; NumPy's <c>RandomState(int)</c>
    /// uses it for any seed in [0, 2³²), not <c>init_by_array</c>.</remarks>
    public void Seed(uint seed)
    {
        for (int i = 0; i < N; i++)
        {
            _key[i] = seed;
            seed = 1812433253u * (seed ^ (seed >> 30)) + (uint)(i + 1);   // wraps mod 2³², as in C
        }
        _pos = N;
    }

    /// <summary>One tempered 32-bit output.</summary>
    public uint NextUInt32()
    {
        if (_pos == N)
            Generate();
        uint y = _key[_pos++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >> 18;
        return y;
    }

    /// <summary>Two draws as <c>(first &lt;&lt; 32) | second</c>.</summary>
    /// <remarks><c>mt19937_next64</c>. C leaves the order of the two calls in
    /// <c>next(s) &lt;&lt; 32 | next(s)</c> unspecified; NumPy's builds draw the high word first,
    /// which the recordings for ranges above 2³² confirm.</remarks>
    public ulong NextUInt64()
    {
        ulong hi = NextUInt32();
        ulong lo = NextUInt32();
        return (hi << 32) | lo;
    }

    /// <summary>A double in [0, 1) with 53 random bits: <c>((a &gt;&gt; 5)·2²⁶ + (b &gt;&gt; 6)) / 2⁵³</c>.</summary>
    /// <remarks><c>mt19937_next_double</c>: 27 bits of the first draw, 26 of the second.</remarks>
    public double NextDouble()
    {
        uint a = NextUInt32() >> 5;
        uint b = NextUInt32() >> 6;
        return (a * 67108864.0 + b) / 9007199254740992.0;   // both steps exact: the sum is < 2⁵³
    }

    private void Generate()
    {
        uint[] mt = _key;
        int i = 0;
        for (; i < N - M; i++)
            mt[i] = mt[i + M] ^ Twist(mt[i], mt[i + 1]);
        for (; i < N - 1; i++)
            mt[i] = mt[i + (M - N)] ^ Twist(mt[i], mt[i + 1]);
        mt[N - 1] = mt[M - 1] ^ Twist(mt[N - 1], mt[0]);
        _pos = 0;
        Debug.Assert(i == N - 1);
    }

    private static uint Twist(uint upper, uint lower)
    {
        uint y = (upper & UpperMask) | (lower & LowerMask);
        return (y >> 1) ^ ((0u - (y & 1)) & MatrixA);
    }
}
