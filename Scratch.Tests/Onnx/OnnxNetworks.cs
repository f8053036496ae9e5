using Scratch.Data;
using Scratch.Nn;
using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Tests.Nn;

/// <summary>Every network the library builds, briefly trained (so the batch norms hold real running statistics), for the ONNX tests.</summary>
internal static class OnnxNetworks
{
    /// <summary>How many of the embedded test digits the ONNX tests run through each network.</summary>
    public const int TestDigits = 300;

    private static readonly Lazy<((NDArray X, NDArray T) Train, (NDArray X, NDArray T) Test)> Digits =
        new(() => Mnist.LoadEmbedded(normalize: true, flatten: false));

    private static readonly Dictionary<string, Sequential> Trained = [];

    /// <summary>The names of the cases, for <c>TestCaseSource</c>.</summary>
    public static IEnumerable<string> Names => Builders.Keys;

    private static readonly Dictionary<string, (Func<Sequential> Build, bool Flat)> Builders = new()
    {
        ["TwoLayerNet relu"] = (() => new TwoLayerNet(784, 50, 10, seed: 1), true),
        ["TwoLayerNet sigmoid"] = (() => new TwoLayerNet(784, 50, 10, weightInitStd: 0.1, activation: Activation.Sigmoid, seed: 2), true),
        ["MultiLayerNet tanh"] = (() => new MultiLayerNet(784, [100, 100, 100], 10, Activation.Tanh, seed: 3), true),
        ["MultiLayerNetExtend bn dropout Modern"] = (() => new MultiLayerNetExtend(784, [100, 100], 10, useDropout: true, dropoutRatio: 0.2f,
            useBatchnorm: true, semantics: Semantics.Modern, seed: 4), true),
        ["MultiLayerNetExtend bn dropout Book"] = (() => new MultiLayerNetExtend(784, [100, 100], 10, useDropout: true, dropoutRatio: 0.2f,
            useBatchnorm: true, semantics: Semantics.Book, seed: 5), true),
        ["SimpleConvNet"] = (() => new SimpleConvNet(weightInit: WeightInit.He, seed: 6), false),
        ["SimpleConvNet bn Modern"] = (() => new SimpleConvNet(weightInit: WeightInit.He, useBatchnorm: true, semantics: Semantics.Modern, seed: 7), false),
        ["SimpleConvNet bn Book"] = (() => new SimpleConvNet(weightInit: WeightInit.He, useBatchnorm: true, semantics: Semantics.Book, seed: 8), false),
        ["DeepConvNet Modern"] = (() => new DeepConvNet(semantics: Semantics.Modern, seed: 9), false),
        ["DeepConvNet Book"] = (() => new DeepConvNet(semantics: Semantics.Book, seed: 10), false),
        ["padded pooling"] = (PaddedPooling, false),
        ["PyTorch batch norms"] = (PyTorchBatchNorms, false),
    };

    /// <summary>The network <paramref name="name"/> after 5 Adam steps on 64 training digits each (built and trained once per test run).</summary>
    public static Sequential Get(string name)
    {
        lock (Trained)
        {
            if (Trained.TryGetValue(name, out Sequential? network)) return network;
            var (build, flat) = Builders[name];
            network = build();
            var (x, t) = Digits.Value.Train;
            var adam = new Adam(1e-3f);
            for (int step = 0; step < 5; step++)
            {
                network.Gradient(Input(x.Slice(0, step * 64, (step + 1) * 64), flat), t.Slice(0, step * 64, (step + 1) * 64));
                adam.Update(network.Parameters);
            }
            return Trained[name] = network;
        }
    }

    /// <summary>The first <see cref="TestDigits"/> test digits in the shape network <paramref name="name"/> reads.</summary>
    public static NDArray TestInput(string name) => Input(Digits.Value.Test.X.Slice(0, 0, TestDigits), Builders[name].Flat);

    private static NDArray Input(NDArray images, bool flat) => flat ? images.Reshape(images.Dim(0), -1).Contiguous() : images.Contiguous();

    /// <summary>Pooling with padding, where zeros (the layers' padding) and −∞ (MaxPool's own) differ: the conv output is not rectified, so windows can be all negative.</summary>
    private static Sequential PaddedPooling()
    {
        var random = new RandomState(11);
        return new Sequential(
        [
            new Convolution(NDArray.RandomNormal([4, 1, 3, 3], 0f, 0.5f, random), NDArray.Full([4], -0.3f), stride: 2, pad: 1),
            new MaxPooling(3, 3, stride: 2, pad: 1),
            new AvgPooling(2, 2, stride: 1, pad: 1),
            new Flatten(),
            new Affine(NDArray.RandomNormal([4 * 8 * 8, 10], 0f, 0.1f, random), NDArray.Zeros(10)),
        ], new SoftmaxWithLoss());
    }

    /// <summary>Both batch-norm layers under PyTorch's conventions (ε = 1e-5, momentum 0.1 on the batch), per channel on images and per feature on (N, D).</summary>
    private static Sequential PyTorchBatchNorms()
    {
        var random = new RandomState(12);
        return new Sequential(
        [
            new Convolution(NDArray.RandomNormal([4, 1, 5, 5], 0f, 0.3f, random), NDArray.Zeros(4), stride: 2),
            new BatchNormalization2d(NDArray.Ones(4), NDArray.Zeros(4), convention: BatchNormConvention.PyTorch),
            new Relu(),
            new MaxPooling(2, 2, stride: 2),
            new Flatten(),
            new Affine(NDArray.RandomNormal([4 * 6 * 6, 20], 0f, 0.1f, random), NDArray.Zeros(20)),
            new BatchNormalization(NDArray.Ones(20), NDArray.Zeros(20), convention: BatchNormConvention.PyTorch),
            new Relu(),
            new Affine(NDArray.RandomNormal([20, 10], 0f, 0.1f, random), NDArray.Zeros(10)),
        ], new SoftmaxWithLoss());
    }
}
