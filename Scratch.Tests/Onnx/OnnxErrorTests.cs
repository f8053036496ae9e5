using Scratch.Nn;
using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Tests.Nn;

/// <summary>Unsupported operators and layers, corrupt files and mismatched layers fail with the right exception and a message naming the culprit.</summary>
public class OnnxErrorTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "scratch-onnx-" + Guid.NewGuid().ToString("N")));

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void Load_UnsupportedOperator_NamesOperatorAndNode()
    {
        // leaky.onnx: Conv → LeakyRelu → Flatten → Gemm, exported by PyTorch (make_lenet.py).
        var e = Assert.Throws<NotSupportedException>(() => Onnx.Load(OnnxImportTests.DataFile("leaky.onnx")));
        Assert.That(e!.Message, Does.Contain("LeakyRelu").And.Contain("leaky.onnx").And.Match("node '[^']+'"));
    }

    [Test]
    public void Load_TruncatedFile_ThrowsInvalidData()
    {
        byte[] model = File.ReadAllBytes(OnnxImportTests.DataFile("lenet.onnx"));
        foreach (int length in new[] { 0, 1, 100, model.Length / 2, model.Length - 1 })
        {
            string path = Path.Combine(_dir, $"cut{length}.onnx");
            File.WriteAllBytes(path, model[..length]);
            var e = Assert.Throws<InvalidDataException>(() => Onnx.Load(path), $"length {length}");
            Assert.That(e!.Message, Does.Contain($"cut{length}.onnx"));
        }
    }

    [Test]
    public void Load_CorruptedStructure_ThrowsOnlyInvalidDataOrNotSupported()
    {
        // PyTorch writes the nodes first and the graph's inputs and outputs last, the weights in between: flip bytes in the
        // first 3 KB and the last 1 KB, where a flip changes the graph rather than a weight.
        byte[] model = File.ReadAllBytes(OnnxImportTests.DataFile("lenet.onnx"));
        var random = new Random(7);
        string path = Path.Combine(_dir, "flipped.onnx");
        int failures = 0;
        for (int trial = 0; trial < 300; trial++)
        {
            byte[] bytes = (byte[])model.Clone();
            for (int flips = random.Next(1, 4); flips > 0; flips--)
            {
                int at = random.Next(2) == 0 ? random.Next(3000) : model.Length - 1 - random.Next(1000);
                bytes[at] ^= (byte)random.Next(1, 256);
            }
            File.WriteAllBytes(path, bytes);
            try
            {
                Onnx.Load(path);   // a flip in a name's letters or an unused field can leave a loadable model
            }
            catch (Exception e) when (e is InvalidDataException or NotSupportedException)
            {
                failures++;
            }
        }
        Assert.That(failures, Is.GreaterThan(100), "most flips break the graph");
    }

    [Test]
    public void Load_LayersThatDoNotFitTheDeclaredInput_ThrowsInvalidDataNamingTheLayer()
    {
        // SimpleConvNet on (1, 6, 6) (the pool is the last kernel_shape): conv 3×3 → (2, 4, 4), pool 2×2 stride 2 → (2, 2, 2), flatten → 8, Affine 8 → 4. A 3×3 pool gives (2, 1, 1), flattened 2.
        string path = Path.Combine(_dir, "pool3.onnx");
        Onnx.Save(new SimpleConvNet([1, 6, 6], filterNum: 2, filterSize: 3, hiddenSize: 4, outputSize: 3, seed: 1), path);
        byte[] bytes = File.ReadAllBytes(path);
        int kernel = bytes.AsSpan().LastIndexOf("kernel_shape"u8) + "kernel_shape".Length;
        Assert.That(bytes[kernel..(kernel + 4)], Is.EqualTo(new byte[] { 0x42, 2, 2, 2 }), "the pool's kernel_shape: packed ints, 2 bytes, (2, 2)");
        bytes[kernel + 2] = bytes[kernel + 3] = 3;
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidDataException>(() => Onnx.Load(path));
        Assert.That(e!.Message, Is.EqualTo("Onnx.Load: pool3.onnx: layer 4 (Affine) does not fit its input (N, 2), which the declared input (N, 1, 6, 6) becomes after the layers before it."));
    }

    [Test]
    public void Load_ALengthFieldClaimingTwoGigabytes_ThrowsInvalidData()
    {
        // Google.Protobuf itself overruns its buffer (IndexOutOfRangeException) on some lengths near 2³¹; Load reports them as corrupt.
        string path = Path.Combine(_dir, "model.onnx");
        Onnx.Save(new SimpleConvNet([1, 6, 6], filterNum: 2, filterSize: 3, hiddenSize: 4, outputSize: 3, seed: 1), path);
        byte[] valid = File.ReadAllBytes(path);
        var lengths = Scratch.Tests.Fuzz.ProtobufVarints.Find(valid).Where(v => v.IsLength).ToList();
        Assert.That(lengths, Has.Count.GreaterThan(10));
        foreach (var v in lengths)
        {
            File.WriteAllBytes(path, [.. valid.AsSpan(0, v.Offset), 0xFF, 0xFF, 0xFF, 0xFF, 0x07, .. valid.AsSpan(v.Offset + v.Length)]);   // varint 2³¹ − 1
            Assert.That(() => Onnx.Load(path), Throws.InstanceOf<InvalidDataException>(), $"length at {v.Offset} ({v.Value})");
        }
    }

    [Test]
    public void Load_NotAModel_ThrowsInvalidData()
    {
        string path = Path.Combine(_dir, "weights.npy");
        Npy.Save(path, NDArray.Ones(3, 4));
        Assert.Throws<InvalidDataException>(() => Onnx.Load(path));
        var random = new byte[4096];
        new Random(1).NextBytes(random);
        File.WriteAllBytes(path = Path.Combine(_dir, "noise.onnx"), random);
        Assert.That(() => Onnx.Load(path), Throws.InstanceOf<InvalidDataException>().Or.InstanceOf<NotSupportedException>());
    }

    [Test]
    public void Load_MissingFile_ThrowsFileNotFound() =>
        Assert.Throws<FileNotFoundException>(() => Onnx.Load(Path.Combine(_dir, "absent.onnx")));

    [Test]
    public void Save_UnsupportedLayer_ThrowsAndWritesNothing()
    {
        string path = Path.Combine(_dir, "network.onnx");
        File.WriteAllText(path, "previous");
        var network = new Sequential([new Affine(NDArray.Ones(4, 3), NDArray.Zeros(3)), new Doubler()], new SoftmaxWithLoss());
        var e = Assert.Throws<NotSupportedException>(() => Onnx.Save(network, path));
        Assert.That(e!.Message, Does.Contain("layer 1 (Doubler)"));
        Assert.That(File.ReadAllText(path), Is.EqualTo("previous"));
        Assert.That(Directory.GetFiles(_dir), Has.Length.EqualTo(1), "no temporary file left behind");
    }

    [Test]
    public void Save_LayersThatDoNotFit_NameTheLayer()
    {
        var network = new Sequential([new Affine(NDArray.Ones(4, 3), NDArray.Zeros(3)), new Affine(NDArray.Ones(5, 2), NDArray.Zeros(2))], new SoftmaxWithLoss());
        var e = Assert.Throws<ArgumentException>(() => Onnx.Save(network, Path.Combine(_dir, "network.onnx")));
        Assert.That(e!.Message, Does.Contain("layer 1 (Affine)").And.Contain("(N, 3)"));
    }

    [Test]
    public void Save_FirstLayerWithoutShape_AsksForInputShape()
    {
        var network = new Sequential([new Relu(), new Affine(NDArray.Ones(4, 3), NDArray.Zeros(3))], new SoftmaxWithLoss());
        var e = Assert.Throws<ArgumentException>(() => Onnx.Save(network, Path.Combine(_dir, "network.onnx")));
        Assert.That(e!.Message, Does.Contain("inputShape"));
        Onnx.Save(network, Path.Combine(_dir, "network.onnx"), inputShape: [4]);
    }

    /// <summary>A layer ONNX export knows nothing about.</summary>
    private sealed class Doubler : ILayer
    {
        public IReadOnlyList<Parameter> Parameters => [];

        public NDArray Forward(NDArray x, bool training = false) => x * 2f;

        public NDArray Backward(NDArray dout) => dout * 2f;
    }
}
