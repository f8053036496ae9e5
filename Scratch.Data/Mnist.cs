using Scratch.Tensors;

namespace Scratch.Data;

/// <summary>Loads MNIST (or Fashion-MNIST) as the book's <c>load_mnist</c> does: <c>(x_train, t_train), (x_test, t_test)</c>.</summary>
/// <remarks>
/// <code>
/// var ((xTrain, tTrain), (xTest, tTest)) = Mnist.Load("mnist", normalize: true, flatten: true, oneHotLabel: false);
/// // xTrain (60000, 784) in [0, 1], tTrain (60000,) class indices 0–9 as floats
/// </code>
/// </remarks>
public static class Mnist
{
    /// <summary>Training images, (60000, 28, 28) u8 in MNIST; found raw or with a <c>.gz</c> suffix, as the three below.</summary>
    public const string TrainImages = "train-images-idx3-ubyte";

    /// <summary>Training labels, (60000,) u8 class indices.</summary>
    public const string TrainLabels = "train-labels-idx1-ubyte";

    /// <summary>Test images, (10000, 28, 28) u8.</summary>
    public const string TestImages = "t10k-images-idx3-ubyte";

    /// <summary>Test labels, (10000,) u8 class indices.</summary>
    public const string TestLabels = "t10k-labels-idx1-ubyte";

    /// <summary>Number of classes: digits 0–9, or the ten Fashion-MNIST garments.</summary>
    public const int Classes = 10;

    /// <summary>Train digits in <see cref="LoadEmbedded"/>: the first 8,000 of the 10,000.</summary>
    public const int EmbeddedTrainCount = 8000;

    private const string EmbeddedImages = "Scratch.Data.mnist10k-images-idx3-ubyte.gz";
    private const string EmbeddedLabels = "Scratch.Data.mnist10k-labels-idx1-ubyte.gz";

    /// <summary>The train and test sets from the four IDX files in <paramref name="directory"/>.</summary>
    /// <param name="directory">Holds <c>train-images-idx3-ubyte</c>, <c>train-labels-idx1-ubyte</c>,
    /// <c>t10k-images-idx3-ubyte</c> and <c>t10k-labels-idx1-ubyte</c>, each raw or <c>.gz</c> (the raw file wins if both exist).</param>
    /// <param name="normalize">Pixels divided by 255 (float32), else the raw 0–255 values.</param>
    /// <param name="flatten">Images as (N, H·W), else (N, 1, H, W).</param>
    /// <param name="oneHotLabel">Labels as (N, 10) one-hot rows, else (N,) class indices.</param>
    /// <remarks>
    /// Any image size in the header loads (H, W = 28, 28 for MNIST and Fashion-MNIST).
    /// A missing file throws <see cref="FileNotFoundException"/>; a corrupt one, or image and label counts
    /// that differ, <see cref="InvalidDataException"/>.
    /// </remarks>
    public static ((NDArray X, NDArray T) Train, (NDArray X, NDArray T) Test) Load(
        string directory, bool normalize = true, bool flatten = true, bool oneHotLabel = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"Mnist.Load: directory '{directory}' does not exist.");
        var train = LoadPair(directory, TrainImages, TrainLabels, normalize, flatten, oneHotLabel);
        var test = LoadPair(directory, TestImages, TestLabels, normalize, flatten, oneHotLabel);
        return (train, test);
    }

    /// <summary>The 10,000 MNIST digits embedded in this assembly: the first 8,000 as train, the last 2,000 as test.</summary>
    /// <remarks>
    /// A fixed random sample of the MNIST training set (every class in both parts); parameters as in
    /// <see cref="Load"/>. Train: x (8000, 784), t (8000,); test: x (2000, 784), t (2000,).
    /// </remarks>
    public static ((NDArray X, NDArray T) Train, (NDArray X, NDArray T) Test) LoadEmbedded(
        bool normalize = true, bool flatten = true, bool oneHotLabel = false)
    {
        NDArray images = ReadResource(EmbeddedImages);
        NDArray labels = ReadResource(EmbeddedLabels);
        var (x, t) = Prepare(images, labels, EmbeddedImages, EmbeddedLabels, normalize, flatten, oneHotLabel);
        int n = x.Dim(0);
        return ((x.Slice(0, 0, EmbeddedTrainCount).Clone(), t.Slice(0, 0, EmbeddedTrainCount).Clone()),
                (x.Slice(0, EmbeddedTrainCount, n).Clone(), t.Slice(0, EmbeddedTrainCount, n).Clone()));
    }

    private static (NDArray X, NDArray T) LoadPair(
        string directory, string imagesName, string labelsName, bool normalize, bool flatten, bool oneHotLabel)
    {
        string imagesPath = Find(directory, imagesName);
        string labelsPath = Find(directory, labelsName);
        return Prepare(Idx.Read(imagesPath), Idx.Read(labelsPath),
            Path.GetFileName(imagesPath), Path.GetFileName(labelsPath), normalize, flatten, oneHotLabel);
    }

    private static string Find(string directory, string name)
    {
        string raw = Path.Combine(directory, name);
        if (File.Exists(raw)) return raw;
        string gz = raw + ".gz";
        if (File.Exists(gz)) return gz;
        throw new FileNotFoundException($"Mnist.Load: neither {name} nor {name}.gz is in directory '{directory}'.", raw);
    }

    private static NDArray ReadResource(string name)
    {
        using Stream stream = typeof(Mnist).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Mnist.LoadEmbedded: resource {name} is missing from {typeof(Mnist).Assembly.GetName().Name}.");
        return Idx.Read(stream, name);
    }

    /// <summary>Checks images (N, H, W) against labels (N,), then scales, reshapes and encodes them.</summary>
    private static (NDArray X, NDArray T) Prepare(
        NDArray images, NDArray labels, string imagesName, string labelsName, bool normalize, bool flatten, bool oneHotLabel)
    {
        if (images.Rank != 3)
            throw new InvalidDataException($"Mnist: {imagesName}: expected images (N, H, W), got {Shapes.Format(images.Shape)}.");
        if (labels.Rank != 1)
            throw new InvalidDataException($"Mnist: {labelsName}: expected labels (N,), got {Shapes.Format(labels.Shape)}.");
        int n = images.Dim(0), h = images.Dim(1), w = images.Dim(2);
        if (labels.Dim(0) != n)
            throw new InvalidDataException($"Mnist: {imagesName} has {n} images but {labelsName} has {labels.Dim(0)} labels.");

        NDArray x = images;
        if (normalize)
        {
            Span<float> pixels = x.AsSpan();                 // Idx.Read returns a fresh contiguous array
            for (int i = 0; i < pixels.Length; i++)
                pixels[i] /= 255f;                           // as the book's float32 array /= 255.0
        }
        x = flatten ? x.Reshape(n, h * w) : x.Reshape(n, 1, h, w);

        NDArray t = labels;
        if (oneHotLabel)
        {
            ReadOnlySpan<float> classes = labels.AsSpan();
            for (int i = 0; i < classes.Length; i++)
                if (!(classes[i] >= 0 && classes[i] < Classes) || classes[i] != MathF.Floor(classes[i]))
                    throw new InvalidDataException($"Mnist: {labelsName}: label {i} is {classes[i]}, expected a class 0 to {Classes - 1}.");
            t = Preprocessing.OneHot(labels, Classes);
        }
        return (x, t);
    }
}
