using Scratch.Nn;
using Scratch.Tensors;

namespace Scratch.Tests.Nn;

public class FunctionsTests
{
    [Test]
    public void Softmax_GoldenValues()
    {
        // softmax([1, 2, 3]) = e^x / Σe^x = [0.0900, 0.2447, 0.6652]
        float[] p = Functions.Softmax(NDArray.FromArray([1f, 2f, 3f])).ToArray();
        Assert.That(p, Is.EqualTo(new[] { 0.0900f, 0.2447f, 0.6652f }).Within(1e-4f));
    }

    [Test]
    public void Softmax_LargeScores_StayFinite()
    {
        // softmax([1000, 1001]) = softmax([0, 1]) = [1/(1 + e), e/(1 + e)] = [0.2689, 0.7311]; e^1000 alone overflows float.
        float[] p = Functions.Softmax(NDArray.FromArray([1000f, 1001f])).ToArray();
        Assert.That(p, Is.EqualTo(new[] { 0.2689f, 0.7311f }).Within(1e-4f));
    }

    [Test]
    public void Softmax_TwoDimensional_NormalizesEachRow()
    {
        NDArray y = Functions.Softmax(NDArray.FromArray([1f, 2f, 3f, /**/ 1000f, 1001f, -5f], 2, 3));
        Assert.That(y.Shape, Is.EqualTo(new[] { 2, 3 }));
        Assert.That(y.Sum(axis: 1).ToArray(), Is.EqualTo(new[] { 1f, 1f }).Within(1e-6f));
        Assert.That(y.ToArray()[..3], Is.EqualTo(new[] { 0.0900f, 0.2447f, 0.6652f }).Within(1e-4f));
    }

    // The book's example (ch. 4): y is a softmax output, the answer is class 2.
    private static readonly float[] Y2 = [0.1f, 0.05f, 0.6f, 0.0f, 0.05f, 0.1f, 0.0f, 0.1f, 0.0f, 0.0f];
    private static readonly float[] Y7 = [0.1f, 0.05f, 0.1f, 0.0f, 0.05f, 0.1f, 0.0f, 0.6f, 0.0f, 0.0f];
    private static readonly float[] T2 = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0];

    [Test]
    public void CrossEntropyError_BookExample()
    {
        // −log(0.6 + 1e-7) = 0.5108; −log(0.1 + 1e-7) = 2.3026 (the book prints 0.510825457099 and 2.30258409299)
        Assert.Multiple(() =>
        {
            Assert.That(Functions.CrossEntropyError(NDArray.FromArray(Y2), NDArray.FromArray(T2)), Is.EqualTo(0.510825457f).Within(1e-6f));
            Assert.That(Functions.CrossEntropyError(NDArray.FromArray(Y7), NDArray.FromArray(T2)), Is.EqualTo(2.302584093f).Within(1e-6f));
            Assert.That(Functions.CrossEntropyError(NDArray.FromArray(Y2), NDArray.FromArray([2f])), Is.EqualTo(0.510825457f).Within(1e-6f));
            // A batch of both, one-hot and as class indices: the mean (0.5108 + 2.3026)/2 = 1.4067.
            NDArray batch = NDArray.FromArray([.. Y2, .. Y7], 2, 10);
            Assert.That(Functions.CrossEntropyError(batch, NDArray.FromArray([.. T2, .. T2], 2, 10)), Is.EqualTo(1.406704775f).Within(1e-6f));
            Assert.That(Functions.CrossEntropyError(batch, NDArray.FromArray([2f, 2f])), Is.EqualTo(1.406704775f).Within(1e-6f));
        });
    }

    [Test]
    public void CrossEntropyError_BadTargets_Throw()
    {
        NDArray y = NDArray.FromArray([.. Y2, .. Y7], 2, 10);
        var e = Assert.Throws<ArgumentException>(() => Functions.CrossEntropyError(y, NDArray.FromArray([2f, 10f])));
        Assert.That(e!.Message, Does.StartWith("CrossEntropyError: t[1] = 10 is not a class index in [0, 10)."));
        e = Assert.Throws<ArgumentException>(() => Functions.CrossEntropyError(y, NDArray.FromArray([2f, 1f, 0f])));
        Assert.That(e!.Message, Does.StartWith("CrossEntropyError: t (3,) is neither one-hot like y (2, 10) nor 2 class indices."));
    }

    [Test]
    public void MeanSquaredError_BookExample_IsASumNotAMean()
    {
        // 0.5·Σ(y − t)²: 0.0975 for the right answer, 0.5975 for the wrong one (the book's numbers).
        Assert.That(Functions.MeanSquaredError(NDArray.FromArray(Y2), NDArray.FromArray(T2)), Is.EqualTo(0.0975f).Within(1e-6f));
        Assert.That(Functions.MeanSquaredError(NDArray.FromArray(Y7), NDArray.FromArray(T2)), Is.EqualTo(0.5975f).Within(1e-6f));
        // Not divided by the batch size: the batch of both gives the sum 0.695.
        Assert.That(Functions.MeanSquaredError(NDArray.FromArray([.. Y2, .. Y7], 2, 10), NDArray.FromArray([.. T2, .. T2], 2, 10)), Is.EqualTo(0.695f).Within(1e-6f));
    }

    [Test]
    public void NumericalGradient_OfBookFunction2()
    {
        // The book's function_2: f(x) = x0² + x1²; ∇f(3, 4) = (6, 8), ∇f(0, 2) = (0, 4). Central differences are exact
        // for a quadratic up to rounding, which the chosen step h = 1e-2 keeps near 1e-5.
        static float F(NDArray x) => x.Square().Sum().Item();
        Assert.That(Functions.NumericalGradient(F, NDArray.FromArray([3f, 4f]), 1e-2f).ToArray(), Is.EqualTo(new[] { 6f, 8f }).Within(1e-3f));
        Assert.That(Functions.NumericalGradient(F, NDArray.FromArray([0f, 2f]), 1e-2f).ToArray(), Is.EqualTo(new[] { 0f, 4f }).Within(1e-3f));
    }

    [Test]
    public void SigmoidAndRelu_Elementwise()
    {
        NDArray x = NDArray.FromArray([-1f, 0f, 2f]);
        Assert.That(Functions.Relu(x).ToArray(), Is.EqualTo(new[] { 0f, 0f, 2f }));
        // σ(−1) = 0.2689, σ(0) = 0.5, σ(2) = 0.8808
        Assert.That(Functions.Sigmoid(x).ToArray(), Is.EqualTo(new[] { 0.2689f, 0.5f, 0.8808f }).Within(1e-4f));
    }
}
