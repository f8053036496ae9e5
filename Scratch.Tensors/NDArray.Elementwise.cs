using Scratch.Tensors.Kernels;
using System.Numerics.Tensors;

namespace Scratch.Tensors;

public sealed partial class NDArray
{
    // ---- dispatch -------------------------------------------------------------------------------
    // Each op broadcasts its operands to the result shape, asks Runs for merged runs, and picks per run:
    // inner strides (1, 1) → one span call; (1, 0) or (0, 1) → span-with-scalar call; else the strided loop.
    // A contiguous, same-shaped pair is a single run: one TensorPrimitives call over the whole span.

    /// <summary><c>dst = a ∘ b</c> with broadcasting; <paramref name="dst"/> has the broadcast shape.</summary>
    /// <remarks>An operand that overlaps <paramref name="dst"/> (other than as an exact alias) is read from a copy.</remarks>
    internal static void BinaryInto<TOp>(NDArray a, NDArray b, NDArray dst) where TOp : struct, IBinaryOp
    {
        a = Unaliased(a, dst);
        b = Unaliased(b, dst);
        var runs = new Runs(dst._shape, dst, a, b);
        float[] sa = a._storage, sb = b._storage, sd = dst._storage;
        int n = runs.Length;
        while (runs.MoveNext())
        {
            int od = runs.Offset(0), oa = runs.Offset(1), ob = runs.Offset(2);
            int id = runs.InnerStride(0), ia = runs.InnerStride(1), ib = runs.InnerStride(2);
            if (id == 1 && ia == 1 && ib == 1)
                TOp.Apply(sa.AsSpan(oa, n), sb.AsSpan(ob, n), sd.AsSpan(od, n));
            else if (id == 1 && ia == 1 && ib == 0)
                TOp.Apply(sa.AsSpan(oa, n), sb[ob], sd.AsSpan(od, n));
            else if (id == 1 && ia == 0 && ib == 1)
                TOp.Apply(sa[oa], sb.AsSpan(ob, n), sd.AsSpan(od, n));
            else
                StridedRun<TOp>(sa, oa, ia, sb, ob, ib, sd, od, id, n);
        }
    }

    /// <summary>The reference path: the same result as <see cref="BinaryInto{TOp}"/> by one scalar loop per run.</summary>
    internal static void BinaryIntoStrided<TOp>(NDArray a, NDArray b, NDArray dst) where TOp : struct, IBinaryOp
    {
        a = Unaliased(a, dst);
        b = Unaliased(b, dst);
        var runs = new Runs(dst._shape, dst, a, b);
        while (runs.MoveNext())
            StridedRun<TOp>(a._storage, runs.Offset(1), runs.InnerStride(1), b._storage, runs.Offset(2), runs.InnerStride(2),
                dst._storage, runs.Offset(0), runs.InnerStride(0), runs.Length);
    }

    private static void StridedRun<TOp>(float[] sa, int oa, int ia, float[] sb, int ob, int ib, float[] sd, int od, int id, int n)
        where TOp : struct, IBinaryOp
    {
        for (int i = 0; i < n; i++, oa += ia, ob += ib, od += id)
            sd[od] = TOp.Apply(sa[oa], sb[ob]);
    }

    /// <summary><c>dst = f(x)</c>; <paramref name="x"/> broadcasts to the shape of <paramref name="dst"/>.</summary>
    /// <remarks>An <paramref name="x"/> that overlaps <paramref name="dst"/> (other than as an exact alias) is read from a copy.</remarks>
    internal static void UnaryInto<TOp>(NDArray x, NDArray dst) where TOp : struct, IUnaryOp
    {
        x = Unaliased(x, dst);
        var runs = new Runs(dst._shape, dst, x);
        float[] sx = x._storage, sd = dst._storage;
        int n = runs.Length;
        while (runs.MoveNext())
        {
            int od = runs.Offset(0), ox = runs.Offset(1), id = runs.InnerStride(0), ix = runs.InnerStride(1);
            if (id == 1 && ix == 1)
                TOp.Apply(sx.AsSpan(ox, n), sd.AsSpan(od, n));
            else if (id == 1 && ix == 0)
                sd.AsSpan(od, n).Fill(TOp.Apply(sx[ox]));
            else
                for (int i = 0; i < n; i++, ox += ix, od += id)
                    sd[od] = TOp.Apply(sx[ox]);
        }
    }

    private static NDArray Binary<TOp>(string op, NDArray a, NDArray b, NDArray? into) where TOp : struct, IBinaryOp
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        int rank = Math.Max(a._shape.Length, b._shape.Length);
        if (rank > Runs.MaxRank)
            throw new ArgumentException($"{op}: rank {rank} exceeds the limit of {Runs.MaxRank}.");
        Span<int> shape = stackalloc int[rank];
        Shapes.Broadcast(op, a._shape, b._shape, shape);
        NDArray dst = into is null ? Uninitialized(shape.ToArray()) : CheckInto(op, into, shape);
        BinaryInto<TOp>(a, b, dst);
        return dst;
    }

    private NDArray Unary<TOp>(string op, NDArray? into) where TOp : struct, IUnaryOp
    {
        NDArray dst = into is null ? Uninitialized(_shape.ToArray()) : CheckInto(op, into, _shape);
        UnaryInto<TOp>(this, dst);
        return dst;
    }

    /// <summary>Checks that <paramref name="into"/> can receive a result of <paramref name="shape"/>: same shape, no broadcast axes.</summary>
    internal static NDArray CheckInto(string op, NDArray into, ReadOnlySpan<int> shape)
    {
        if (!into._shape.AsSpan().SequenceEqual(shape))
            throw new ArgumentException($"{op}: into has shape {Shapes.Format(into._shape)}, expected {Shapes.Format(shape)}.", nameof(into));
        for (int k = 0; k < shape.Length; k++)
            if (into._strides[k] == 0 && shape[k] > 1)
                throw new ArgumentException($"{op}: into is a broadcast view (stride 0 on axis {k} of {Shapes.Format(shape)}); it cannot be written.", nameof(into));
        if (into._readOnly)
            throw new ArgumentException($"{op}: into {Shapes.Format(shape)} is a view of a BroadcastTo result, which is read-only.", nameof(into));
        return into;
    }

    // ---- binary math with broadcasting ------------------------------------------------------------

    /// <summary><c>a + b</c> elementwise, with NumPy broadcasting; writes into <paramref name="into"/> when given.</summary>
    public static NDArray Add(NDArray a, NDArray b, NDArray? into = null) => Binary<AddOp>("Add", a, b, into);
    /// <summary><c>a − b</c> elementwise, with broadcasting.</summary>
    public static NDArray Subtract(NDArray a, NDArray b, NDArray? into = null) => Binary<SubtractOp>("Subtract", a, b, into);
    /// <summary><c>a · b</c> elementwise, with broadcasting.</summary>
    public static NDArray Multiply(NDArray a, NDArray b, NDArray? into = null) => Binary<MultiplyOp>("Multiply", a, b, into);
    /// <summary><c>a / b</c> elementwise, with broadcasting.</summary>
    public static NDArray Divide(NDArray a, NDArray b, NDArray? into = null) => Binary<DivideOp>("Divide", a, b, into);
    /// <summary><c>max(a, b)</c> elementwise (NaN wins), with broadcasting.</summary>
    public static NDArray Maximum(NDArray a, NDArray b, NDArray? into = null) => Binary<MaximumOp>("Maximum", a, b, into);
    /// <summary><c>min(a, b)</c> elementwise (NaN wins), with broadcasting.</summary>
    public static NDArray Minimum(NDArray a, NDArray b, NDArray? into = null) => Binary<MinimumOp>("Minimum", a, b, into);
    /// <summary><c>a^b</c> elementwise, with broadcasting.</summary>
    public static NDArray Pow(NDArray a, NDArray b, NDArray? into = null) => Binary<PowOp>("Pow", a, b, into);

    /// <summary><c>max(a, value)</c> elementwise.</summary>
    public static NDArray Maximum(NDArray a, float value, NDArray? into = null) => Binary<MaximumOp>("Maximum", a, Scalar(value), into);
    /// <summary><c>min(a, value)</c> elementwise.</summary>
    public static NDArray Minimum(NDArray a, float value, NDArray? into = null) => Binary<MinimumOp>("Minimum", a, Scalar(value), into);

    /// <summary>1 where <c>a &gt; b</c>, else 0 (with broadcasting).</summary>
    public static NDArray Greater(NDArray a, NDArray b, NDArray? into = null) => Binary<Compare<GreaterCmp>>("Greater", a, b, into);
    /// <summary>1 where <c>a ≥ b</c>, else 0.</summary>
    public static NDArray GreaterEqual(NDArray a, NDArray b, NDArray? into = null) => Binary<Compare<GreaterEqualCmp>>("GreaterEqual", a, b, into);
    /// <summary>1 where <c>a &lt; b</c>, else 0.</summary>
    public static NDArray Less(NDArray a, NDArray b, NDArray? into = null) => Binary<Compare<LessCmp>>("Less", a, b, into);
    /// <summary>1 where <c>a ≤ b</c>, else 0.</summary>
    public static NDArray LessEqual(NDArray a, NDArray b, NDArray? into = null) => Binary<Compare<LessEqualCmp>>("LessEqual", a, b, into);
    /// <summary>1 where <c>a == b</c>, else 0.</summary>
    public static NDArray Equal(NDArray a, NDArray b, NDArray? into = null) => Binary<Compare<EqualCmp>>("Equal", a, b, into);
    /// <summary>1 where <c>a ≠ b</c> (or either is NaN), else 0.</summary>
    public static NDArray NotEqual(NDArray a, NDArray b, NDArray? into = null) => Binary<Compare<NotEqualCmp>>("NotEqual", a, b, into);

    /// <summary>Elementwise sum with broadcasting (see <see cref="Add(NDArray, NDArray, NDArray?)"/>).</summary>
    public static NDArray operator +(NDArray a, NDArray b) => Add(a, b);
    /// <summary>Elementwise difference with broadcasting.</summary>
    public static NDArray operator -(NDArray a, NDArray b) => Subtract(a, b);
    /// <summary>Elementwise product with broadcasting (not the matrix product: see <see cref="MatMul"/>).</summary>
    public static NDArray operator *(NDArray a, NDArray b) => Multiply(a, b);
    /// <summary>Elementwise quotient with broadcasting.</summary>
    public static NDArray operator /(NDArray a, NDArray b) => Divide(a, b);
    /// <summary>Elementwise sum with broadcasting (see <see cref="Add(NDArray, NDArray, NDArray?)"/>).</summary>
    public static NDArray operator +(NDArray a, float b) => Add(a, Scalar(b));
    /// <summary>Elementwise difference with broadcasting.</summary>
    public static NDArray operator -(NDArray a, float b) => Subtract(a, Scalar(b));
    /// <summary>Elementwise product with broadcasting (not the matrix product: see <see cref="MatMul"/>).</summary>
    public static NDArray operator *(NDArray a, float b) => Multiply(a, Scalar(b));
    /// <summary>Elementwise quotient with broadcasting.</summary>
    public static NDArray operator /(NDArray a, float b) => Divide(a, Scalar(b));
    /// <summary>Elementwise sum with broadcasting (see <see cref="Add(NDArray, NDArray, NDArray?)"/>).</summary>
    public static NDArray operator +(float a, NDArray b) => Add(Scalar(a), b);
    /// <summary>Elementwise difference with broadcasting.</summary>
    public static NDArray operator -(float a, NDArray b) => Subtract(Scalar(a), b);
    /// <summary>Elementwise product with broadcasting (not the matrix product: see <see cref="MatMul"/>).</summary>
    public static NDArray operator *(float a, NDArray b) => Multiply(Scalar(a), b);
    /// <summary>Elementwise quotient with broadcasting.</summary>
    public static NDArray operator /(float a, NDArray b) => Divide(Scalar(a), b);
    /// <summary>Elementwise negation, <c>−a</c>.</summary>
    public static NDArray operator -(NDArray a) => a.Negate();
    /// <summary>1 where the left operand is greater, else 0.</summary>
    public static NDArray operator >(NDArray a, NDArray b) => Greater(a, b);
    /// <summary>1 where the left operand is less, else 0.</summary>
    public static NDArray operator <(NDArray a, NDArray b) => Less(a, b);
    /// <summary>1 where the left operand is greater or equal, else 0.</summary>
    public static NDArray operator >=(NDArray a, NDArray b) => GreaterEqual(a, b);
    /// <summary>1 where the left operand is less or equal, else 0.</summary>
    public static NDArray operator <=(NDArray a, NDArray b) => LessEqual(a, b);
    /// <summary>1 where the left operand is greater, else 0.</summary>
    public static NDArray operator >(NDArray a, float b) => Greater(a, Scalar(b));
    /// <summary>1 where the left operand is less, else 0.</summary>
    public static NDArray operator <(NDArray a, float b) => Less(a, Scalar(b));
    /// <summary>1 where the left operand is greater or equal, else 0.</summary>
    public static NDArray operator >=(NDArray a, float b) => GreaterEqual(a, Scalar(b));
    /// <summary>1 where the left operand is less or equal, else 0.</summary>
    public static NDArray operator <=(NDArray a, float b) => LessEqual(a, Scalar(b));

    // ---- unary math ---------------------------------------------------------------------------------

    /// <summary><c>e^x</c> elementwise.</summary>
    public NDArray Exp(NDArray? into = null) => Unary<ExpOp>("Exp", into);
    /// <summary>Natural logarithm elementwise.</summary>
    public NDArray Log(NDArray? into = null) => Unary<LogOp>("Log", into);
    /// <summary><c>√x</c> elementwise.</summary>
    public NDArray Sqrt(NDArray? into = null) => Unary<SqrtOp>("Sqrt", into);
    /// <summary><c>|x|</c> elementwise.</summary>
    public NDArray Abs(NDArray? into = null) => Unary<AbsOp>("Abs", into);
    /// <summary><c>−x</c> elementwise.</summary>
    public NDArray Negate(NDArray? into = null) => Unary<NegateOp>("Negate", into);
    /// <summary><c>x²</c> elementwise.</summary>
    public NDArray Square(NDArray? into = null) => Unary<SquareOp>("Square", into);
    /// <summary><c>tanh(x)</c> elementwise.</summary>
    public NDArray Tanh(NDArray? into = null) => Unary<TanhOp>("Tanh", into);
    /// <summary><c>1 / (1 + e^−x)</c> elementwise.</summary>
    public NDArray Sigmoid(NDArray? into = null) => Unary<SigmoidOp>("Sigmoid", into);
    /// <summary><c>max(x, 0)</c> elementwise.</summary>
    public NDArray Relu(NDArray? into = null) => Unary<ReluOp>("Relu", into);
    /// <summary><c>x^exponent</c> elementwise.</summary>
    public NDArray Pow(float exponent, NDArray? into = null) => Binary<PowOp>("Pow", this, Scalar(exponent), into);

    /// <summary>Each element limited to [<paramref name="min"/>, <paramref name="max"/>] (NumPy's <c>clip</c>).</summary>
    public NDArray Clip(float min, float max, NDArray? into = null)
    {
        if (min > max)
            throw new ArgumentException($"Clip: min ({min}) must not exceed max ({max}).", nameof(min));
        NDArray dst = Binary<MaximumOp>("Clip", this, Scalar(min), into);
        return Binary<MinimumOp>("Clip", dst, Scalar(max), dst);
    }

    // ---- in place (the optimizers' hot loops: no allocation) ---------------------------------------

    /// <summary><c>this += other</c> (other broadcasts to this shape).</summary>
    /// <remarks>An operand overlapping this array (other than as the same view) is read from a copy, as NumPy's <c>x += y</c>.</remarks>
    public NDArray AddInPlace(NDArray other) => InPlace<AddOp>("AddInPlace", other);
    /// <summary><c>this −= other</c> (other broadcasts to this shape).</summary>
    public NDArray SubtractInPlace(NDArray other) => InPlace<SubtractOp>("SubtractInPlace", other);
    /// <summary><c>this ·= other</c> (other broadcasts to this shape).</summary>
    public NDArray MultiplyInPlace(NDArray other) => InPlace<MultiplyOp>("MultiplyInPlace", other);
    /// <summary><c>this /= other</c> (other broadcasts to this shape).</summary>
    public NDArray DivideInPlace(NDArray other) => InPlace<DivideOp>("DivideInPlace", other);

    private NDArray InPlace<TOp>(string op, NDArray other) where TOp : struct, IBinaryOp
    {
        ArgumentNullException.ThrowIfNull(other);
        Shapes.CheckBroadcastsTo(op, other._shape, _shape);
        CheckWritable(op);
        BinaryInto<TOp>(this, other, this);
        return this;
    }

    /// <summary><c>this ·= factor</c>.</summary>
    public NDArray MultiplyInPlace(float factor)
    {
        CheckWritable("MultiplyInPlace");
        var runs = Runs.Of(this);
        int n = runs.Length;
        while (runs.MoveNext())
        {
            int at = runs.Offset(0), stride = runs.InnerStride(0);
            if (stride == 1)
            {
                Span<float> run = _storage.AsSpan(at, n);
                TensorPrimitives.Multiply(run, factor, run);
            }
            else
                for (int i = 0; i < n; i++, at += stride)
                    _storage[at] *= factor;
        }
        return this;
    }

    /// <summary><c>this += alpha · x</c> (NumPy <c>w += alpha * x</c>; BLAS axpy). Shapes must match.</summary>
    /// <remarks>An <paramref name="x"/> overlapping this array (other than as the same view) is read from a copy.</remarks>
    public NDArray ScaledAddInPlace(float alpha, NDArray x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (!_shape.AsSpan().SequenceEqual(x._shape))
            throw new ArgumentException($"ScaledAddInPlace: x has shape {Shapes.Format(x._shape)}, expected {Shapes.Format(_shape)}.", nameof(x));
        CheckWritable("ScaledAddInPlace");
        x = Unaliased(x, this);
        var runs = new Runs(_shape, this, x);
        int n = runs.Length;
        while (runs.MoveNext())
        {
            int od = runs.Offset(0), ox = runs.Offset(1), id = runs.InnerStride(0), ix = runs.InnerStride(1);
            if (id == 1 && ix == 1)
            {
                Span<float> self = _storage.AsSpan(od, n);
                TensorPrimitives.MultiplyAdd(x._storage.AsSpan(ox, n), alpha, self, self);
            }
            else
                for (int i = 0; i < n; i++, od += id, ox += ix)
                    _storage[od] += alpha * x._storage[ox];
        }
        return this;
    }

    /// <summary>Sets every element to <paramref name="value"/>.</summary>
    public NDArray Fill(float value)
    {
        CheckWritable("Fill");
        var runs = Runs.Of(this);
        int n = runs.Length;
        while (runs.MoveNext())
        {
            int at = runs.Offset(0), stride = runs.InnerStride(0);
            if (stride == 1 || n == 1)
                _storage.AsSpan(at, n).Fill(value);
            else
                for (int i = 0; i < n; i++, at += stride)
                    _storage[at] = value;
        }
        return this;
    }

    /// <summary>Copies <paramref name="source"/> (broadcast to this shape) into this array's elements.</summary>
    /// <remarks>A source overlapping this array (other than as the same view) is read from a copy, as NumPy's <c>dst[...] = src</c>.</remarks>
    public NDArray CopyFrom(NDArray source)
    {
        ArgumentNullException.ThrowIfNull(source);
        Shapes.CheckBroadcastsTo("CopyFrom", source._shape, _shape);
        CheckWritable("CopyFrom");
        UnaryInto<CopyOp>(source, this);
        return this;
    }

    /// <summary>The elements of a contiguous array as a writable span (throws for other views).</summary>
    public Span<float> AsSpan() => ContiguousSpan;
}
