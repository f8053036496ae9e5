using CsCheck;
using Scratch.Tensors;

namespace Scratch.Tests.Tensors;

/// <summary>
/// Property-based tests (CsCheck): random shapes, axis orders, steps (negative too), offsets and broadcasts.
/// A failure shrinks to a small example, printed with its seed in the test output.
/// </summary>
public class PropertyTests
{
    private const int Iterations = 300;

    /// <summary>
    /// A random view of <see cref="Shapes"/>: a buffer laid out in axis order <see cref="Order"/>, starting
    /// <see cref="Pad"/> elements in, read with step <see cref="Steps"/>[k] on axis k (negative: backwards),
    /// and repeated (stride 0) along the axes marked in <see cref="Broadcast"/>.
    /// </summary>
    public sealed record ViewSpec(int[] Shape, int[] Order, int[] Steps, int Pad, bool[] Broadcast, int Seed)
    {
        public NDArray Build() => Build(null);

        /// <summary>The view over a fresh buffer, or over <paramref name="storage"/> when given (its length must fit <see cref="StorageLength"/>).</summary>
        public NDArray Build(float[]? storage)
        {
            int rank = Shape.Length;
            int[] own = Enumerable.Range(0, rank).Select(k => Broadcast[k] ? 1 : Shape[k]).ToArray();
            int[] stored = Order.Select(k => own[k] * Math.Abs(Steps[k])).ToArray();   // buffer axes, outermost first
            storage ??= Reference.RandomData(StorageLength, Seed);
            NDArray view = NDArray.Wrap(storage).Slice(0, Pad, Pad + stored.Aggregate(1, (p, d) => p * d)).Reshape(stored);
            view = view.Transpose(Enumerable.Range(0, rank).Select(k => Array.IndexOf(Order, k)).ToArray());
            for (int k = 0; k < rank; k++)
                view = Steps[k] > 0 ? view.Slice(k, 0, int.MaxValue, Steps[k]) : view.Slice(k, -1, int.MinValue, Steps[k]);
            return Broadcast.Any(b => b) ? view.BroadcastTo(Shape) : view;
        }

        public int StorageLength => Pad + Enumerable.Range(0, Shape.Length)
            .Aggregate(1, (p, k) => p * (Broadcast[k] ? 1 : Shape[k]) * Math.Abs(Steps[k]));

        public override string ToString() =>
            $"shape {Scratch.Tensors.Shapes.Format(Shape)}, order ({string.Join(", ", Order)}), steps ({string.Join(", ", Steps)}), pad {Pad}, "
            + $"broadcast ({string.Join(", ", Broadcast.Select(b => b ? 1 : 0))}), seed {Seed}";
    }

    private static Gen<int[]> ShapeGen(int maxRank) => Gen.Int[1, 5].Array[0, maxRank];

    /// <summary>A random view of <paramref name="shape"/>; with <paramref name="broadcast"/> some axes repeat one element.</summary>
    private static Gen<ViewSpec> ViewOf(int[] shape, bool broadcast) =>
        from order in Gen.Shuffle(Enumerable.Range(0, shape.Length).ToArray())
        from steps in Gen.OneOf(1, 1, 2, -1, -2).Array[shape.Length]
        from pad in Gen.Int[0, 3]
        from flags in (broadcast ? Gen.Bool : Gen.Const(false)).Array[shape.Length]
        from seed in Gen.Int[0, 1000]
        select new ViewSpec(shape, order, steps, pad, flags, seed);

    private static Gen<ViewSpec> ViewGen(int maxRank, bool broadcast) =>
        from shape in ShapeGen(maxRank)
        from view in ViewOf(shape, broadcast)
        select view;

    /// <summary>The shape of an operand that broadcasts to <paramref name="shape"/>: some leading axes dropped, some lengths set to 1.</summary>
    private static Gen<int[]> BroadcastableTo(int[] shape) =>
        from drop in Gen.Int[0, shape.Length]
        from ones in Gen.Bool.Array[shape.Length]
        select shape.Skip(drop).Select((d, k) => ones[k + drop] ? 1 : d).ToArray();

    /// <summary>The element of <paramref name="x"/> that broadcasting maps to result index <paramref name="index"/>.</summary>
    private static float At(NDArray x, int[] index)
    {
        int[] shape = x.Shape;
        int shift = index.Length - shape.Length;
        return x[shape.Select((d, k) => d == 1 ? 0 : index[k + shift]).ToArray()];
    }

    [Test]
    public void Elementwise_AgreesWithTheElementByElementDefinition_OnAnyLayout()
    {
        (from shape in ShapeGen(4)
         from bShape in BroadcastableTo(shape)
         from a in ViewOf(shape, broadcast: true)
         from b in ViewOf(bShape, broadcast: true)
         from dst in ViewOf(shape, broadcast: false)
         from op in Gen.Int[0, 3]
         select (a, b, dst, op))
        .Sample((aSpec, bSpec, dstSpec, op) =>
        {
            NDArray a = aSpec.Build(), b = bSpec.Build(), into = dstSpec.Build();
            Func<float, float, float> f = op switch { 0 => (x, y) => x + y, 1 => (x, y) => x - y, 2 => (x, y) => x * y, _ => MathF.Max };
            NDArray result = op switch
            {
                0 => NDArray.Add(a, b, into),
                1 => NDArray.Subtract(a, b, into),
                2 => NDArray.Multiply(a, b, into),
                _ => NDArray.Maximum(a, b, into),
            };
            return Reference.Indices(aSpec.Shape).All(i => result[i] == f(a[i], At(b, i)));
        }, iter: Iterations);
    }

    [Test]
    public void InPlaceAdd_IntoAnOverlappingView_EqualsAddingCopies()
    {
        // dst and src are two views of one buffer; NumPy's answer is dst + src as they were before the write.
        (from shape in ShapeGen(3)
         from dst in ViewOf(shape, broadcast: false)
         from src in ViewOf(shape, broadcast: true)
         from op in Gen.Int[0, 2]
         select (dst, src, op))
        .Sample((dstSpec, srcSpec, op) =>
        {
            float[] storage = Reference.RandomData(Math.Max(dstSpec.StorageLength, srcSpec.StorageLength), dstSpec.Seed);
            NDArray dst = dstSpec.Build(storage), src = srcSpec.Build(storage);
            float[] before = dst.ToArray(), operand = src.ToArray();
            float[] expected = op switch
            {
                0 => before.Zip(operand, (x, y) => x + y).ToArray(),
                1 => before.Zip(operand, (x, y) => x + 0.5f * y).ToArray(),
                _ => operand,
            };
            _ = op switch { 0 => dst.AddInPlace(src), 1 => dst.ScaledAddInPlace(0.5f, src), _ => dst.CopyFrom(src) };
            return dst.ToArray().SequenceEqual(expected);
        }, iter: Iterations);
    }

    [Test]
    public void Views_AliasTheirStorage()
    {
        (from spec in ViewGen(4, broadcast: false).Where(s => s.Shape.All(d => d > 0))
         from pick in Gen.Int[0, 1000]
         select (spec, pick))
        .Sample((spec, pick) =>
        {
            NDArray view = spec.Build();
            int[] index = spec.Shape.Select((d, k) => (pick + 7 * k) % d).ToArray();
            view[index] = 1234.5f;
            int at = view.Offset + index.Select((i, k) => i * view.Strides[k]).Sum();
            bool written = view.Storage[at] == 1234.5f && view.Storage.Count(v => v == 1234.5f) == 1;
            NDArray row = view.Rank == 0 ? view : view[(Ix)index[0]];   // an Ix view of the view reads the same storage
            return written && ReferenceEquals(row.Storage, view.Storage) && (view.Rank == 0 || row[index[1..]] == 1234.5f);
        }, iter: Iterations);
    }

    [Test]
    public void ReshapeAndTranspose_RoundTrip()
    {
        (from spec in ViewGen(4, broadcast: true)
         from perm in Gen.Shuffle(Enumerable.Range(0, spec.Shape.Length).ToArray())
         select (spec, perm))
        .Sample((spec, perm) =>
        {
            NDArray x = spec.Build();
            float[] elements = Reference.Elements(x);
            NDArray back = x.Transpose(perm).Transpose(Enumerable.Range(0, perm.Length).Select(k => Array.IndexOf(perm, k)).ToArray());
            NDArray flat = x.Reshape(-1).Reshape(spec.Shape);
            return back.Shape.SequenceEqual(x.Shape) && back.Strides.SequenceEqual(x.Strides) && back.Offset == x.Offset
                && Reference.Elements(flat).SequenceEqual(elements) && x.Reshape(-1).ToArray().SequenceEqual(elements);
        }, iter: Iterations);
    }

    [Test]
    public void SumOverAnAxis_EqualsTheSumOfItsSlices()
    {
        (from spec in ViewGen(4, broadcast: true).Where(s => s.Shape.Length > 0)
         from axis in Gen.Int[0, spec.Shape.Length - 1]
         select (spec, axis))
        .Sample((spec, axis) =>
        {
            NDArray x = spec.Build();
            NDArray expected = NDArray.Zeros(x.Shape.Where((_, k) => k != axis).ToArray());
            for (int i = 0; i < x.Shape[axis]; i++)
                expected.AddInPlace(x.Slice(axis, i, i + 1).Squeeze(axis));
            return NDArray.AllClose(x.Sum(axis), expected, rtol: 1e-5, atol: 1e-5)
                && NDArray.AllClose(x.Sum([axis], keepDims: true), expected.Unsqueeze(axis), rtol: 1e-5, atol: 1e-5);
        }, iter: Iterations);
    }

    [Test]
    public void Im2ColAndCol2Im_AreAdjoint()
    {
        // <Im2Col(x), y> = <x, Col2Im(y)> for every x and y: Col2Im is Im2Col's transpose.
        (from n in Gen.Int[1, 2]
         from c in Gen.Int[1, 3]
         from h in Gen.Int[1, 7]
         from w in Gen.Int[1, 7]
         from fh in Gen.Int[1, 4]
         from fw in Gen.Int[1, 4]
         from stride in Gen.Int[1, 3]
         from pad in Gen.Int[0, 2]
         where h + 2 * pad >= fh && w + 2 * pad >= fw
         from seed in Gen.Int[0, 1000]
         select (shape: new[] { n, c, h, w }, fh, fw, stride, pad, seed))
        .Sample(g =>
        {
            NDArray x = Reference.Random(g.seed, g.shape);
            NDArray col = NDArray.Im2Col(x, g.fh, g.fw, g.stride, g.pad);
            NDArray y = Reference.Random(g.seed + 1, col.Shape);
            NDArray back = NDArray.Col2Im(y, g.shape, g.fh, g.fw, g.stride, g.pad);
            double left = Dot(col, y), right = Dot(x, back);
            return Math.Abs(left - right) <= 1e-4 * (1 + Math.Abs(left));
        }, iter: Iterations);
    }

    private static double Dot(NDArray a, NDArray b) => a.ToArray().Zip(b.ToArray(), (x, y) => (double)x * y).Sum();
}
