using Scratch.Data;
using Scratch.Nn;
using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Tests.Nn;

/// <summary>Small real training runs: the sequel's spiral, XOR, and a short MNIST run.</summary>
public class TrainingTests
{
    [Test]
    public void TwoLayerNet_OnSpiral_ReachesLowLoss()
    {
        // The sequel's ch01 run: hidden 10, sigmoid, SGD lr 1.0, batch 30, 300 epochs.
        var (x, t) = Spiral.Load();
        var network = new TwoLayerNet(2, 10, 3, weightInitStd: 0.01, activation: Activation.Sigmoid, seed: 0);
        new Trainer(network, x, t, x, t, epochs: 300, miniBatchSize: 30, optimizer: new Sgd(1.0f)).Train();
        Assert.That(network.Loss(x, t), Is.LessThanOrEqualTo(0.15f));
    }

    [Test]
    public void Xor_NeedsAHiddenLayer()
    {
        var (x, t) = LogicGates.Xor();
        var random = new RandomState(0);
        var single = new Sequential([new Affine(NDArray.RandomNormal([2, 1], 0f, 1f, random), NDArray.Zeros(1))], new SigmoidWithLoss());
        var twoLayer = new Sequential(
            [
                new Affine(NDArray.RandomNormal([2, 8], 0f, 1f, random), NDArray.Zeros(8)),
                new Tanh(),
                new Affine(NDArray.RandomNormal([8, 1], 0f, 1f, random), NDArray.Zeros(1)),
            ], new SigmoidWithLoss());
        foreach (var network in new[] { single, twoLayer })
        {
            var optimizer = new Adam(0.05f);
            for (int step = 0; step < 2000; step++)
            {
                network.Gradient(x, t);
                optimizer.Update(network.Parameters);
            }
        }
        float ln2 = MathF.Log(2);
        Assert.Multiple(() =>
        {
            // A line cannot separate XOR: the best a single unit does is ½ everywhere, cross-entropy ln 2 per sample.
            Assert.That(single.Loss(x, t), Is.EqualTo(ln2).Within(0.05f));
            Assert.That(twoLayer.Loss(x, t), Is.LessThan(0.05f));
            Assert.That((twoLayer.Predict(x).Sigmoid() > 0.5f).ToArray(), Is.EqualTo(t.ToArray()));
        });
    }

    [Test]
    public void MultiLayerNetExtend_LearnsDigits_InTwoEpochs()
    {
        var ((xTrain, tTrain), (xTest, tTest)) = Mnist.LoadEmbedded();
        var network = new MultiLayerNetExtend(784, [100, 100], 10, useBatchnorm: true, seed: 0);
        var trainer = new Trainer(network, xTrain, tTrain, xTest, tTest, epochs: 2, miniBatchSize: 100, optimizer: new Adam(1e-3f));
        var epochs = new List<EpochResult>();
        trainer.EpochCompleted += epochs.Add;
        float accuracy = trainer.Train();
        Assert.Multiple(() =>
        {
            Assert.That(accuracy, Is.GreaterThan(0.9f));
            Assert.That(epochs.Select(e => e.Epoch), Is.EqualTo(new[] { 1, 2 }));
            Assert.That(trainer.TrainLossList, Has.Count.EqualTo(160));
            Assert.That(trainer.TrainLossList[^1], Is.LessThan(trainer.TrainLossList[0]));
        });
    }

    [Test]
    public void Training_WithTheSameSeed_GivesTheSameLossesBitForBit()
    {
        // Parallel kernels (GEMM, unfold, batched products) split work so that each number is summed by one task
        // in a fixed order: two runs must agree exactly, dropout masks and batch order included.
        var ((x, t), _) = Mnist.LoadEmbedded(flatten: false);
        x = x.Slice(0, 0, 300);
        t = t.Slice(0, 0, 300);
        float[] Run()
        {
            var network = new SimpleConvNet(weightInit: WeightInit.He, useBatchnorm: true, seed: 4);
            var trainer = new Trainer(network, x, t, x, t, epochs: 1, miniBatchSize: 100, optimizer: new Adam(1e-3f), seed: 5);
            trainer.Train();
            return [.. trainer.TrainLossList];
        }
        float[] first = Run(), second = Run();
        Assert.That(second, Is.EqualTo(first));
    }
}
