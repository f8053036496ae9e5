using Scratch.Nn;
using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Tests.Nn;

public class TrainerTests
{
    [Test]
    public void Schedule_SetsTheLearningRateEachEpoch()
    {
        var x = NDArray.RandomNormal([20, 4], 0, 1, 1);
        var t = NDArray.FromArray(Enumerable.Range(0, 20).Select(i => (float)(i % 2)).ToArray());
        var optimizer = new Sgd(1f);
        var trainer = new Trainer(new TwoLayerNet(4, 3, 2), x, t, x, t, epochs: 3, miniBatchSize: 10, optimizer: optimizer,
            schedule: new Scratch.Optim.Schedules.StepLr(0.1f, stepSize: 1, gamma: 0.5f));
        var rates = new List<float>();
        trainer.EpochCompleted += e => rates.Add(e.LearningRate);
        trainer.Train();
        Assert.That(rates, Is.EqualTo(new[] { 0.1f, 0.05f, 0.025f }).Within(1e-7f));
    }

    [Test]
    public void Constructor_RejectsMismatchedData()
    {
        var x = NDArray.Zeros(10, 4);
        Assert.Multiple(() =>
        {
            Assert.That(() => new Trainer(new TwoLayerNet(4, 3, 2), x, NDArray.Zeros(9), x, NDArray.Zeros(10)),
                Throws.ArgumentException.With.Message.Contains("xTrain (10, 4) and its targets (9,)"));
            Assert.That(() => new Trainer(new TwoLayerNet(4, 3, 2), x, NDArray.Zeros(10), x, NDArray.Zeros(10), miniBatchSize: 0),
                Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("miniBatchSize"));
        });
    }

    [Test]
    public void GradientCheck_OfASmallNetwork_ReportsEveryParameter()
    {
        var network = new MultiLayerNet(5, [4], 3, Activation.Tanh, seed: 3);
        var result = GradientCheck.Check(network, NDArray.RandomNormal([6, 5], 0, 1, 4), NDArray.FromArray([0f, 1, 2, 0, 1, 2]));
        Assert.Multiple(() =>
        {
            Assert.That(result.Entries, Has.Count.EqualTo(4));
            Assert.That(result.MaxError, Is.LessThan(1e-2));
        });
    }

    [Test]
    public void Resume_OfMultiLayerNetExtendWithDropout_EndsBitIdenticalToAnUninterruptedRun()
    {
        var x = NDArray.RandomNormal([300, 20], 0, 1, 5);
        AssertResumeIsBitIdentical(() => new MultiLayerNetExtend(20, [16, 16], 10, useDropout: true, dropoutRatio: 0.3f, seed: 2), x, Labels(300));
    }

    [Test]
    public void Resume_OfDeepConvNet_EndsBitIdenticalToAnUninterruptedRun()
    {
        var x = NDArray.RandomUniform([200, 1, 28, 28], 0, 1, 6);
        AssertResumeIsBitIdentical(() => new DeepConvNet(hiddenSize: 16, seed: 4), x, Labels(200));
    }

    private static NDArray Labels(int n) => NDArray.FromArray(Enumerable.Range(0, n).Select(i => (float)(i * 7 % 10)).ToArray());

    /// <summary>Trains 3 epochs straight; then 2 epochs, and a rebuilt network given the weights, the optimizer state and the
    /// dropout generators' states trains the 3rd: the weights must agree bit for bit (and differ without the dropout states).</summary>
    private static void AssertResumeIsBitIdentical(Func<Sequential> build, NDArray x, NDArray t)
    {
        Trainer Make(Sequential network, int epochs, IOptimizer optimizer) =>
            new(network, x, t, x[..50], t[..50], epochs, miniBatchSize: 50, optimizer, evaluateSampleNumPerEpoch: 50, seed: 9);

        Sequential straight = build();
        Make(straight, 3, new Adam(0.01f)).Train();

        Sequential first = build();
        var firstOptimizer = new Adam(0.01f);
        Make(first, 2, firstOptimizer).Train();
        float[][] ResumeFromFirst(bool restoreDropout)
        {
            Sequential resumed = build();
            var optimizer = new Adam(0.01f);
            foreach (var (key, p) in first.Params)
            {
                resumed.Params[key].Value.CopyFrom(p.Value);
                optimizer.SetState(resumed.Params[key], firstOptimizer.GetState(p));
            }
            if (restoreDropout)
                foreach (var (from, to) in first.Layers.OfType<Dropout>().Zip(resumed.Layers.OfType<Dropout>()))
                    to.Random.SetState(from.Random.GetState());
            Make(resumed, 3, optimizer).Train(startEpoch: 2);
            return resumed.Params.Values.Select(p => p.Value.ToArray()).ToArray();
        }

        float[][] expected = straight.Params.Values.Select(p => p.Value.ToArray()).ToArray();
        Assert.That(first.Layers.OfType<Dropout>().Count(), Is.GreaterThan(0));
        Assert.That(ResumeFromFirst(restoreDropout: true), Is.EqualTo(expected));   // exact: bit-identical weights
        Assert.That(ResumeFromFirst(restoreDropout: false), Is.Not.EqualTo(expected), "the masks matter: fresh generators give other weights");
    }
    [Test]
    public void BookSemantics_DrawsEveryBatchAsChoiceDoes()
    {
        // The trainer's draws must be np.random.choice(train_size, batch_size) step after step: a manual loop over
        // RandomState.Choice with the same seed, on a twin network, gives the same losses bit for bit.
        var x = NDArray.RandomNormal([230, 20], 0, 1, 11);
        NDArray t = Labels(230);
        var trainer = new Trainer(new MultiLayerNetExtend(20, [16], 10, seed: 3), x, t, x, t, epochs: 2, miniBatchSize: 50,
            optimizer: new Adam(), semantics: Semantics.Book, seed: 21);
        trainer.Train();

        var twin = new Trainer(new MultiLayerNetExtend(20, [16], 10, seed: 3), x, t, x, t, optimizer: new Adam());
        var random = new RandomState(21);
        for (int step = 0; step < 2 * 5; step++)   // ⌈230 / 50⌉ = 5 steps an epoch
        {
            int[] rows = random.Choice(230, 50);
            twin.TrainStep(x.Take(rows), t.Take(rows));
        }
        Assert.That(trainer.TrainLossList, Is.EqualTo(twin.TrainLossList));
    }

    [TestCase(Semantics.Book)]
    [TestCase(Semantics.Modern)]
    public void TrainingSteps_AfterTheFirstEpoch_AllocateNothing(Semantics semantics)
    {
        // Bytes allocated on this thread between consecutive steps inside epochs 2 and 3 (the epoch ends evaluate and
        // report, which allocates); the least of them, as the runtime now and then allocates for its own first uses.
        var x = NDArray.RandomNormal([400, 20], 0, 1, 12);
        var trainer = new Trainer(new MultiLayerNetExtend(20, [16], 10, seed: 3), x, Labels(400), x, Labels(400), epochs: 3,
            miniBatchSize: 50, optimizer: new Adam(), semantics: semantics);
        var between = new List<long>(32);
        long last = 0;
        trainer.StepCompleted += s =>
        {
            long now = GC.GetAllocatedBytesForCurrentThread();
            if (s.Epoch > 1 && s.Step > 1) between.Add(now - last);
            last = now;
        };
        trainer.Train();
        TestContext.Out.WriteLine($"bytes between steps: {string.Join(", ", between)}");
        Assert.That(between, Has.Count.EqualTo(2 * 7));
        Assert.That(between.Min(), Is.Zero);
        Assert.That(between.Count(b => b == 0), Is.GreaterThanOrEqualTo(between.Count / 2), "most steps allocate nothing");
    }
}
