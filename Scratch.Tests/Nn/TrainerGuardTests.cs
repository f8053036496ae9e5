using Scratch.Data;
using Scratch.Nn;
using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Tests.Nn;

/// <summary>The trainer's NaN/∞ guard, its per-step event and the honest batch size.</summary>
public class TrainerGuardTests
{
    private static (NDArray X, NDArray T) Digits(int n)
    {
        var ((x, t), _) = Mnist.LoadEmbedded(normalize: true, flatten: true);
        return (x.Slice(0, 0, n).Clone(), t.Slice(0, 0, n).Clone());
    }

    [Test]
    public void Train_NaNPixel_StopsAtTheStepItAppears_NamingEpochStepAndParameter()
    {
        var (x, t) = Digits(200);
        x[150, 300] = float.NaN;   // in the second epoch's batches somewhere; the guard must name the step it reaches
        var network = new TwoLayerNet(784, 20, 10, seed: 0);
        var trainer = new Trainer(network, x, t, x, t, epochs: 3, miniBatchSize: 50, optimizer: new Sgd(0.1f), seed: 0);
        int steps = 0;
        float[]? lastGood = null;
        trainer.StepCompleted += _ => { steps++; lastGood = network.Params["W1"].Value.ToArray(); };
        var e = Assert.Throws<NonFiniteException>(() => trainer.Train())!;
        Assert.Multiple(() =>
        {
            Assert.That(e.Epoch, Is.EqualTo(1));                           // the NaN sample is met in the first pass over the data
            Assert.That(e.Step, Is.EqualTo(steps + 1));                     // the step after the last completed one
            Assert.That(e.Parameter, Is.EqualTo("W1"));                     // first in layer order: dW1 = xᵀ·dout carries the NaN
            Assert.That(e.Layer, Is.EqualTo("1 (Affine)"));
            Assert.That(e.Message, Does.StartWith($"Training stopped at epoch 1, step {steps + 1}: the loss is NaN;"));
            Assert.That(e.Message, Does.Contain("W1 of layer 1 (Affine)"));
            float[] now = network.Params["W1"].Value.ToArray();
            Assert.That(now.All(float.IsFinite), Is.True, "the bad step must not reach the weights");
            if (lastGood is not null) Assert.That(now, Is.EqualTo(lastGood), "weights keep the last good step's values");
        });
    }

    [Test]
    public void Train_DivergingLearningRate_IsCaughtAsNonFinite()
    {
        // Linear regression with MSE and lr 10: each step multiplies the error by about −(10·λ − 1), so it overflows in tens of steps.
        var x = NDArray.RandomNormal([100, 4], 0, 1, 1);
        var t = NDArray.RandomNormal([100, 1], 0, 1, 2);
        var network = new Sequential([new Affine(NDArray.Zeros(4, 1), NDArray.Zeros(1))], new MeanSquaredError());
        var trainer = new Trainer(network, x, t, x, t, epochs: 100, miniBatchSize: 100, optimizer: new Sgd(10f), seed: 0);
        var e = Assert.Throws<NonFiniteException>(() => trainer.Train())!;
        Assert.Multiple(() =>
        {
            Assert.That(e.Message, Does.StartWith($"Training stopped at epoch {e.Epoch}, step 1: the loss is"));
            Assert.That(network.Params["W1"].Value.ToArray().All(float.IsFinite), Is.True);
        });
    }

    [Test]
    public void Train_CheckNonFiniteInput_NamesTheSample()
    {
        var (x, t) = Digits(100);
        x[37, 5] = float.PositiveInfinity;
        var trainer = new Trainer(new TwoLayerNet(784, 20, 10, seed: 0), x, t, x, t, epochs: 1, miniBatchSize: 100, seed: 0, checkNonFiniteInput: true);
        var e = Assert.Throws<NonFiniteException>(() => trainer.Train())!;
        Assert.That(e.Message, Is.EqualTo("Training stopped at epoch 1, step 1: training sample 37 holds Infinity (element 5 of 784)."));
    }

    [Test]
    public void TrainStep_LargeFiniteGradients_AreNotMistakenForNonFinite()
    {
        // Every element of dW = xᵀ·dout is finite (≤ 4·5e37) but their sum over 60 elements overflows float: the guard's exact rescan must accept it.
        var layer = new Affine(NDArray.Zeros(2, 30), NDArray.Ones(30));   // y = x·0 + 1
        var network = new Sequential([layer], new MeanSquaredError());
        var x = NDArray.Full([4, 2], 5e37f);
        var t = NDArray.Zeros(4, 30);
        var trainer = new Trainer(network, x, t, x, t, optimizer: new Sgd(0f));
        Assert.That(() => trainer.TrainStep(x, t), Throws.Nothing);
    }

    [Test]
    public void StepCompleted_FiresOncePerStep_WithEpochStepAndBatchSize()
    {
        var (x, t) = Digits(250);
        var trainer = new Trainer(new TwoLayerNet(784, 10, 10, seed: 0), x, t, x, t, epochs: 2, miniBatchSize: 100, seed: 0);
        var seen = new List<StepResult>();
        trainer.StepCompleted += s => seen.Add(s);
        trainer.Train();
        Assert.Multiple(() =>
        {
            Assert.That(seen.Select(s => (s.Epoch, s.Step, s.BatchSize)),
                Is.EqualTo(new[] { (1, 1, 100), (1, 2, 100), (1, 3, 50), (2, 1, 100), (2, 2, 100), (2, 3, 50) }));
            Assert.That(seen.All(s => s.StepsPerEpoch == 3), Is.True);
            Assert.That(seen.Select(s => s.Loss), Is.EqualTo(trainer.TrainLossList));
        });
    }

    [Test]
    public void BatchSize_AboveTheTrainingSet_IsClampedAndReported()
    {
        var (x, t) = Digits(60);
        var trainer = new Trainer(new TwoLayerNet(784, 10, 10), x, t, x, t, epochs: 1, miniBatchSize: 1000);
        Assert.That(trainer.BatchSize, Is.EqualTo(60));
    }

    [Test]
    public void Accuracy_LabelsOutsideTheNetworksClasses_AreRejected()
    {
        var (x, _) = Digits(4);
        var network = new TwoLayerNet(784, 10, 10);
        Assert.Multiple(() =>
        {
            Assert.That(() => network.Accuracy(x, NDArray.FromArray([0f, 1f, 10f, 2f], 4)),
                Throws.ArgumentException.With.Message.EqualTo("Accuracy: labels must be class indices in [0, 10), got values from 0 to 10. (Parameter 't')"));
            Assert.That(() => network.Accuracy(x, NDArray.FromArray([0f, -1f, 1f, 2f], 4)), Throws.ArgumentException.With.Message.Contains("got values from -1 to 2"));
            Assert.That(() => network.Accuracy(x, NDArray.Zeros(4, 3)), Throws.ArgumentException.With.Message.Contains("one-hot t (4, 3) has 3 classes but the network scores 10"));
            Assert.That(network.Accuracy(x, NDArray.FromArray([0f, 1f, 9f, 2f], 4)), Is.InRange(0f, 1f));
        });
    }
}
