using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Scratch.Tensors;

/// <summary>Mersenne Twister MT19937: 624 words of state, one tempered 32-bit word per draw.</summary>
/// <remarks>
/// The engine behind NumPy's <c>RandomState</c> (<c>mt19937.c</c> in <c>numpy/random/src/mt19937</c>),
/// itself the 2002 reference code of Matsumoto and Nishimura. The state is regenerated in one pass
/// every 624 draws, and tempered in the same pass into a second array the draws read: both loops run
/// 8 words at a time in vectors (a draw was 15 ns with the tempering per draw and the twist word by word).
/// </remarks>
internal sealed class Mt19937
{
    public const int N = 624;
    private const int M = 397;
    private const uint MatrixA = 0x9908b0df;
    private const uint UpperMask = 0x80000000;   // most significant bit
    private const uint LowerMask = 0x7fffffff;   // the other 31 bits

    private readonly uint[] _key = new uint[N];
    private readonly uint[] _tempered = new uint[N]; // _key's words tempered: the outputs
    private int _pos;                            // next word of _tempered to return; N means "regenerate first"

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
        Temper(_key, _tempered);
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
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint NextUInt32()
    {
        if (_pos == N)
            Generate();
        return _tempered[_pos++];
    }

    /// <summary>The next <c>destination.Length</c> outputs in order, as that many calls of <see cref="NextUInt32"/> would give them, copied a run at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void NextUInt32s(Span<uint> destination)
    {
        while (!destination.IsEmpty)
        {
            if (_pos == N)
                Generate();
            int count = Math.Min(N - _pos, destination.Length);
            _tempered.AsSpan(_pos, count).CopyTo(destination);
            _pos += count;
            destination = destination[count..];
        }
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
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double NextDouble()
    {
        uint a = NextUInt32() >> 5;
        uint b = NextUInt32() >> 6;
        return (a * 67108864.0 + b) / 9007199254740992.0;   // both steps exact: the sum is < 2⁵³
    }

    /// <summary>The next 624 words of state (the reference's twist), then their tempered outputs.</summary>
    /// <remarks>
    /// Word i depends on words i + 1 and i + M (i + M − N past N − M) of the state; in blocks of 16 (AVX-512) or 8 the first come
    /// from the old state and the last from words already renewed, as in the word-by-word order.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private void Generate()
    {
        uint[] mt = _key;
        int i = 0;
        if (Avx512F.IsSupported)                                        // AVX-512 whether or not the runtime prefers 512-bit vectors
            for (; i + 16 <= N - M; i += 16)
                (Vector512.Create<uint>(mt.AsSpan(i + M)) ^ Twist(Vector512.Create<uint>(mt.AsSpan(i)), Vector512.Create<uint>(mt.AsSpan(i + 1)))).CopyTo(mt.AsSpan(i));
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= N - M; i += 8)
                (Vector256.Create<uint>(mt.AsSpan(i + M)) ^ Twist(Vector256.Create<uint>(mt.AsSpan(i)), Vector256.Create<uint>(mt.AsSpan(i + 1)))).CopyTo(mt.AsSpan(i));
        for (; i < N - M; i++)
            mt[i] = mt[i + M] ^ Twist(mt[i], mt[i + 1]);
        if (Avx512F.IsSupported)
            for (; i + 16 < N; i += 16)
                (Vector512.Create<uint>(mt.AsSpan(i + (M - N))) ^ Twist(Vector512.Create<uint>(mt.AsSpan(i)), Vector512.Create<uint>(mt.AsSpan(i + 1)))).CopyTo(mt.AsSpan(i));
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 < N; i += 8)
                (Vector256.Create<uint>(mt.AsSpan(i + (M - N))) ^ Twist(Vector256.Create<uint>(mt.AsSpan(i)), Vector256.Create<uint>(mt.AsSpan(i + 1)))).CopyTo(mt.AsSpan(i));
        for (; i < N - 1; i++)
            mt[i] = mt[i + (M - N)] ^ Twist(mt[i], mt[i + 1]);
        mt[N - 1] = mt[M - 1] ^ Twist(mt[N - 1], mt[0]);
        Debug.Assert(i == N - 1);
        Temper(mt, _tempered);
        _pos = 0;
    }

    /// <summary>The outputs of state words: <c>y ^= y ≫ 11; y ^= (y ≪ 7) &amp; 0x9d2c5680; y ^= (y ≪ 15) &amp; 0xefc60000; y ^= y ≫ 18</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Temper(ReadOnlySpan<uint> key, Span<uint> tempered)
    {
        int i = 0;
        if (Avx512F.IsSupported)
            for (; i + 16 <= N; i += 16)
            {
                Vector512<uint> y = Vector512.Create(key.Slice(i, 16));
                y ^= Vector512.ShiftRightLogical(y, 11);
                y ^= Vector512.ShiftLeft(y, 7) & Vector512.Create(0x9d2c5680u);
                y ^= Vector512.ShiftLeft(y, 15) & Vector512.Create(0xefc60000u);
                y ^= Vector512.ShiftRightLogical(y, 18);
                y.CopyTo(tempered.Slice(i, 16));
            }
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= N; i += 8)
            {
                Vector256<uint> y = Vector256.Create(key.Slice(i, 8));
                y ^= Vector256.ShiftRightLogical(y, 11);
                y ^= Vector256.ShiftLeft(y, 7) & Vector256.Create(0x9d2c5680u);
                y ^= Vector256.ShiftLeft(y, 15) & Vector256.Create(0xefc60000u);
                y ^= Vector256.ShiftRightLogical(y, 18);
                y.CopyTo(tempered.Slice(i, 8));
            }
        for (; i < N; i++)
        {
            uint y = key[i];
            y ^= y >> 11;
            y ^= (y << 7) & 0x9d2c5680;
            y ^= (y << 15) & 0xefc60000;
            y ^= y >> 18;
            tempered[i] = y;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Twist(Vector256<uint> upper, Vector256<uint> lower)
    {
        Vector256<uint> y = (upper & Vector256.Create(UpperMask)) | (lower & Vector256.Create(LowerMask));
        return Vector256.ShiftRightLogical(y, 1) ^ ((Vector256<uint>.Zero - (y & Vector256<uint>.One)) & Vector256.Create(MatrixA));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Twist(Vector512<uint> upper, Vector512<uint> lower)
    {
        Vector512<uint> y = (upper & Vector512.Create(UpperMask)) | (lower & Vector512.Create(LowerMask));
        return Vector512.ShiftRightLogical(y, 1) ^ ((Vector512<uint>.Zero - (y & Vector512<uint>.One)) & Vector512.Create(MatrixA));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Twist(uint upper, uint lower)
    {
        uint y = (upper & UpperMask) | (lower & LowerMask);
        return (y >> 1) ^ ((0u - (y & 1)) & MatrixA);
    }
}
