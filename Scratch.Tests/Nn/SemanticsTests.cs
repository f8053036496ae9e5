using Scratch.Nn;
using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Tests.Nn;

/// <summary>Each Book-vs-Modern toggle, with the numeric difference it makes.</summary>
public class SemanticsTests
{
    /// <summary>A network that records which sample indices (the single feature of x) each training batch held.</summary>
    private sealed class BatchRecorder : INetwork
    {
        public List<int[]> Batches { get; } = [];
        public IReadOnlyList<Parameter> Parameters { get; } = [];
        public IReadOnlyDictionary<string, Parameter> Params { get; } = new Dictionary<string, Parameter>();
        public NDArray Predict(NDArray x, bool training = false) => NDArray.Zeros(x.Dim(0), 2);
        public float Loss(NDArray x, NDArray t, bool training = false) => 0f;
        public float Accuracy(NDArray x, NDArray t, int batchSize = 100) => 0f;
        public IReadOnlyDictionary<string, NDArray> NumericalGradient(NDArray x, NDArray t, float h = 1e-2f) => new Dictionary<string, NDArray>();

        public (float Loss, IReadOnlyDictionary<string, NDArray> Grads) Gradient(NDArray x, NDArray t)
        {
            Batches.Add(x.ToArray().Select(v => (int)v).ToArray());
            return (0f, new Dictionary<string, NDArray>());
        }
    }

    private static (BatchRecorder Recorder, Trainer Trainer) Recorded(Semantics semantics)
    {
        var x = NDArray.Arange(50).Reshape(50, 1);
        var t = NDArray.Zeros(50);
        var recorder = new BatchRecorder();
        return (recorder, new Trainer(recorder, x, t, x, t, epochs: 2, miniBatchSize: 10, semantics: semantics, seed: 3));
    }

    [Test]
    public void Trainer_Modern_VisitsEverySampleOncePerEpoch()
    {
        var (recorder, trainer) = Recorded(Semantics.Modern);
        trainer.Train();
        Assert.That(recorder.Batches, Has.Count.EqualTo(10));
        for (int epoch = 0; epoch < 2; epoch++)
            Assert.That(recorder.Batches.Skip(epoch * 5).Take(5).SelectMany(b => b).Order(), Is.EqualTo(Enumerable.Range(0, 50)), $"epoch {epoch}");
        Assert.That(recorder.Batches[0], Is.EqualTo(new RandomState(3).Permutation(50).Take(10)), "the permutation is NumPy's");
    }

    [Test]
    public void Trainer_Book_SamplesWithReplacement_AsNumPyChoice()
    {
        var (recorder, trainer) = Recorded(Semantics.Book);
        trainer.Train();
        var random = new RandomState(3);
        for (int step = 0; step < 10; step++)
            Assert.That(recorder.Batches[step], Is.EqualTo(random.Choice(50, 10)), $"step {step}");
        // With replacement, some epoch misses samples that a permutation would have visited.
        Assert.That(recorder.Batches.Take(5).SelectMany(b => b).Distinct().Count(), Is.LessThan(50));
    }

    [Test]
    public void MultiLayerNetExtend_Dropout_BookScalesAtTestTime_ModernDoesNot()
    {
        var x = NDArray.RandomNormal([8, 6], 0f, 1f, 1);
        var book = new MultiLayerNetExtend(6, [5], 3, useDropout: true, dropoutRatio: 0.5f, semantics: Semantics.Book, seed: 2);
        var modern = new MultiLayerNetExtend(6, [5], 3, useDropout: true, dropoutRatio: 0.5f, semantics: Semantics.Modern, seed: 2);
        // Same weights; at test time the book multiplies the hidden activations by (1 − 0.5), so the
        // last Affine sees half the input: book − b = ½(modern − b) with b = 0 at initialization.
        float[] b = book.Predict(x).ToArray(), m = modern.Predict(x).ToArray();
        Assert.That(b, Is.EqualTo(m.Select(v => v * 0.5f).ToArray()).Within(1e-6f));
    }

    [Test]
    public void SimpleConvNet_BatchNorm_BookPerFeature_ModernPerChannel()
    {
        var book = new SimpleConvNet([1, 6, 6], filterNum: 2, filterSize: 3, hiddenSize: 4, outputSize: 3, useBatchnorm: true, semantics: Semantics.Book);
        var modern = new SimpleConvNet([1, 6, 6], filterNum: 2, filterSize: 3, hiddenSize: 4, outputSize: 3, useBatchnorm: true, semantics: Semantics.Modern);
        Assert.Multiple(() =>
        {
            Assert.That(book.Params["gamma1"].Value.Shape, Is.EqualTo(new[] { 2 * 4 * 4 }), "one gamma per (c, h, w) feature");
            Assert.That(modern.Params["gamma1"].Value.Shape, Is.EqualTo(new[] { 2 }), "one gamma per channel");
        });
        // Same convolution weights (same seed), then each batch norm on the same (4, 2, 4, 4) feature maps.
        var x = NDArray.RandomNormal([4, 1, 6, 6], 0f, 1f, 5);
        NDArray conv = book.Layers[0].Forward(x, training: true);
        NDArray perFeature = book.Layers[1].Forward(conv, training: true), perChannel = modern.Layers[1].Forward(conv, training: true);
        Assert.Multiple(() =>
        {
            // Book: every (c, h, w) feature has mean 0 over the 4 images. Modern: only each channel's 64 values do.
            Assert.That(perFeature.Mean(0).Abs().Max().Item(), Is.LessThan(1e-5f));
            Assert.That(perChannel.Mean(0).Abs().Max().Item(), Is.GreaterThan(0.1f));
            Assert.That(perChannel.Transpose(1, 0, 2, 3).Reshape(2, -1).Mean(1).Abs().Max().Item(), Is.LessThan(1e-5f));
        });
    }
}
