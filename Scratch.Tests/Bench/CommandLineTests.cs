using System.Text.Json;
using Scratch.Bench;
using Scratch.Bench.Plots;
using Scratch.Bench.Runs;

namespace Scratch.Tests.Bench;

/// <summary>The command line as a user meets it: option errors (one line, exit 2), the run directory, and the commands that read it back.</summary>
[NonParallelizable]   // redirects Console
public class CommandLineTests
{
    private string _dir = "";

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("scratch-cli-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_dir, recursive: true);

    /// <summary>Runs the program with <paramref name="args"/>; returns the exit code, standard output and standard error.</summary>
    private static (int Code, string Out, string Error) Run(params string[] args)
    {
        TextWriter oldOut = Console.Out, oldError = Console.Error;
        var output = new StringWriter();
        var error = new StringWriter();
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            return (Program.Main(args), output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldError);
        }
    }

    [TestCase("--epochs", "0", "error: --epochs must be ≥ 1, got 0.")]
    [TestCase("--batch-size", "-5", "error: --batch-size must be ≥ 1, got -5.")]
    [TestCase("--lr", "-1", "error: --lr must be a number > 0, got -1.")]
    [TestCase("--network", "resnet", "error: --network: unknown network 'resnet'; expected simpleconv, deepconv, mlp, twolayer.")]
    [TestCase("--schedule", "linear", "error: --schedule: unknown schedule 'linear'; expected none, step, exp, cosine.")]
    [TestCase("--data-dir", "/no/such/dir", "error: --data-dir: directory '/no/such/dir' does not exist.")]
    [TestCase("--dropout", "1.5", "error: --dropout must be in [0, 1), got 1.5.")]
    [TestCase("--hidden", "100,x", "error: --hidden: expected sizes separated by commas such as 100,100, got '100,x'.")]
    [TestCase("--init", "uniform", "error: --init: expected he, xavier or a number σ > 0, got 'uniform'.")]
    [TestCase("--warmup", "10", "error: --warmup must be in [0, --epochs), got 10.")]
    [TestCase("--save", "model.pt", "error: --save: expected a .safetensors or .npz file name, got 'model.pt'.")]
    public void Train_BadValue_PrintsOneLineNamingTheOption_AndExits2(string option, string value, string expected)
    {
        var (code, output, error) = Run("train", option, value);
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(2));
            Assert.That(error.TrimEnd(), Is.EqualTo(expected));
            Assert.That(output, Is.Empty);
        });
    }

    [TestCase("--lr", "abc", "--lr")]
    [TestCase("--epochs", "ten", "--epochs")]
    [TestCase("--nosuch", "1", "--nosuch")]
    public void Train_UnparsableValue_PrintsOneLine_AndExits2(string option, string value, string named)
    {
        var (code, _, error) = Run("train", option, value);
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(2));
            Assert.That(error.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
            Assert.That(error, Does.StartWith("error: ").And.Contain(named));
        });
    }

    [Test]
    public void Train_OptionThatTheNetworkLacks_IsRejectedBeforeTraining()
    {
        var (code, _, error) = Run("train", "--network", "simpleconv", "--dropout", "0.3");
        Assert.That((code, error.TrimEnd()), Is.EqualTo((2, "error: --dropout: simpleconv has no dropout layer; use mlp or deepconv.")));
    }

    [Test]
    public void Train_UnwritableOutput_FailsBeforeTheFirstEpoch()
    {
        string file = Path.Combine(_dir, "a-file");
        File.WriteAllText(file, "");
        var (code, output, error) = Run("train", "--network", "twolayer", "--epochs", "1", "--output", Path.Combine(file, "run"));
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(1));
            Assert.That(error, Does.StartWith("error: --output: cannot write to"));
            Assert.That(output, Does.Not.Contain("epoch"));
        });
    }

    [Test]
    public void Train_UnwritableSavePath_FailsBeforeTheFirstEpoch()
    {
        string file = Path.Combine(_dir, "a-file");
        File.WriteAllText(file, "");
        var (code, output, error) = Run("train", "--network", "twolayer", "--epochs", "1", "--output", Path.Combine(_dir, "run"),
            "--save", Path.Combine(file, "model.npz"));
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(1));
            Assert.That(error, Does.StartWith("error: --save: cannot write to"));
            Assert.That(output, Does.Not.Contain("epoch"));
        });
    }

    [Test]
    public void Train_WritesTheRunDirectory_AndEvaluatePredictReadItBack()
    {
        string run = Path.Combine(_dir, "run");
        var (code, output, error) = Run("train", "--network", "twolayer", "--epochs", "2", "--batch-size", "20000", "--lr", "0.1",
            "--optimizer", "sgd", "--schedule", "step", "--step-size", "1", "--gamma", "0.5", "--output", run);
        Assert.That(code, Is.EqualTo(0), error);
        string[] lines = output.TrimEnd().Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(lines[0], Does.Contain("batch 8000 (asked 20000; the training set holds 8000)"));
            Assert.That(lines.Count(l => l.StartsWith("epoch ", StringComparison.Ordinal)), Is.EqualTo(2));
            Assert.That(lines[^2], Does.Match(@"^test accuracy: 0\.\d{4}$"));
            Assert.That(lines[^1], Is.EqualTo($"run directory: {run}"));
            Assert.That(output, Does.Not.Contain("\u001b["), "no escape codes when the output is not a terminal");
            foreach (string file in new[] { "metrics.json", "loss.png", "accuracy.png", "model.safetensors" })
                Assert.That(File.Exists(Path.Combine(run, file)), Is.True, file);
            Assert.That(Directory.GetFiles(run, "*.tmp*"), Is.Empty, "no temporary files left behind");
        });

        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics.json")));
        JsonElement root = json.RootElement;
        JsonElement[] epochs = root.GetProperty("epochs").EnumerateArray().ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(root.GetProperty("options").GetProperty("network").GetString(), Is.EqualTo("twolayer"));
            Assert.That(root.GetProperty("options").GetProperty("batch-size").GetString(), Is.EqualTo("20000"));
            Assert.That(root.GetProperty("batchSize").GetInt32(), Is.EqualTo(8000));
            Assert.That(root.GetProperty("parameters").GetInt32(), Is.EqualTo(784 * 50 + 50 + 50 * 10 + 10));
            Assert.That(epochs, Has.Length.EqualTo(2));
            Assert.That(epochs.Select(e => e.GetProperty("epoch").GetInt32()), Is.EqualTo(new[] { 1, 2 }));
            Assert.That(epochs.Select(e => e.GetProperty("learningRate").GetSingle()), Is.EqualTo(new[] { 0.1f, 0.05f }));
            foreach (string field in new[] { "loss", "trainAccuracy", "testAccuracy", "seconds", "samplesPerSecond" })
                Assert.That(epochs.All(e => e.GetProperty(field).GetDouble() > 0), Is.True, field);
            Assert.That(root.GetProperty("stepLoss").GetArrayLength(), Is.EqualTo(2));
            Assert.That(root.GetProperty("finalTestAccuracy").GetSingle(), Is.EqualTo(float.Parse(lines[^2]["test accuracy: ".Length..], System.Globalization.CultureInfo.InvariantCulture)).Within(5e-5f));
            Assert.That(root.GetProperty("spec").GetProperty("network").GetString(), Is.EqualTo("twolayer"));
        });

        var (evalCode, evalOut, evalError) = Run("evaluate", "--checkpoint", run);
        Assert.That(evalCode, Is.EqualTo(0), evalError);
        Assert.That(evalOut, Does.Contain(lines[^2]), "evaluate reproduces the final test accuracy");

        string alone = Path.Combine(_dir, "alone.safetensors");   // without metrics.json beside it: the file's metadata rebuilds the network
        File.Copy(Path.Combine(run, "model.safetensors"), alone);
        var (predictCode, predictOut, predictError) = Run("predict", "--checkpoint", alone, "--index", "3");
        Assert.That(predictCode, Is.EqualTo(0), predictError);
        Assert.That(predictOut.Split('\n').Count(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^  \d  [01]\.\d{4}")), Is.EqualTo(3), predictOut);
    }

    [TestCase("adam", "none")]
    [TestCase("momentum", "step")]
    public void Train_Resume_EndsBitIdenticalToAnUninterruptedRun(string optimizer, string schedule)
    {
        string whole = Path.Combine(_dir, "whole"), split = Path.Combine(_dir, "split");
        string[] common = ["train", "--network", "twolayer", "--optimizer", optimizer, "--lr", "0.01", "--schedule", schedule, "--step-size", "1", "--seed", "3"];
        Assert.That(Run([.. common, "--epochs", "3", "--output", whole]).Code, Is.EqualTo(0));
        Assert.That(Run([.. common, "--epochs", "1", "--output", split]).Code, Is.EqualTo(0));
        var (code, output, error) = Run("train", "--resume", Path.Combine(split, "model.safetensors"), "--epochs", "3");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain($"resuming {split} after epoch 1"));

        Scratch.Nn.Sequential a = Scratch.Nn.Checkpoint.Load(Path.Combine(whole, "model.safetensors"));
        Scratch.Nn.Sequential b = Scratch.Nn.Checkpoint.Load(Path.Combine(split, "model.safetensors"));
        using JsonDocument wholeMetrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(whole, "metrics.json")));
        using JsonDocument splitMetrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(split, "metrics.json")));
        Assert.Multiple(() =>
        {
            foreach (var (key, p) in a.Params)
                Assert.That(b.Params[key].Value.ToArray(), Is.EqualTo(p.Value.ToArray()), key);   // exact: bit-identical weights
            Assert.That(splitMetrics.RootElement.GetProperty("epochs").GetArrayLength(), Is.EqualTo(3));
            Assert.That(splitMetrics.RootElement.GetProperty("stepLoss").EnumerateArray().Select(e => e.GetSingle()),
                Is.EqualTo(wholeMetrics.RootElement.GetProperty("stepLoss").EnumerateArray().Select(e => e.GetSingle())));
        });
    }

    [TestCase("deepconv")]
    [TestCase("mlp", "--dropout", "0.3")]
    public void Train_Resume_WithDropout_EndsBitIdenticalToAnUninterruptedRun(string network, params string[] dropout)
    {
        string data = Path.Combine(_dir, "digits");   // a few hundred digits: the dropout masks, not the data, are under test
        Directory.CreateDirectory(data);
        var digits = new Random(5);
        foreach (var (images, labels, count) in new[] { ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", 300), ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 50) })
        {
            File.WriteAllBytes(Path.Combine(data, images), Scratch.Tests.Data.IdxBytes.File(0x08, [(uint)count, 28, 28], [.. Enumerable.Range(0, count * 784).Select(_ => (byte)digits.Next(256))]));
            File.WriteAllBytes(Path.Combine(data, labels), Scratch.Tests.Data.IdxBytes.File(0x08, [(uint)count], [.. Enumerable.Range(0, count).Select(i => (byte)(i % 10))]));
        }
        string whole = Path.Combine(_dir, "whole"), split = Path.Combine(_dir, "split");
        string[] common = ["train", "--network", network, .. dropout, "--data-dir", data, "--optimizer", "adam", "--lr", "0.01", "--batch-size", "50", "--seed", "3"];
        Assert.That(Run([.. common, "--epochs", "3", "--output", whole]).Code, Is.EqualTo(0));
        Assert.That(Run([.. common, "--epochs", "2", "--output", split]).Code, Is.EqualTo(0));
        Assert.That(File.ReadAllText(Path.Combine(split, "dropout-state.json")), Does.Contain("\"cachedGaussian\""));
        var (code, output, error) = Run("train", "--resume", split, "--epochs", "3");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain($"resuming {split} after epoch 2"));

        Scratch.Nn.Sequential a = Scratch.Nn.Checkpoint.Load(Path.Combine(whole, "model.safetensors"));
        Scratch.Nn.Sequential b = Scratch.Nn.Checkpoint.Load(Path.Combine(split, "model.safetensors"));
        Assert.That(a.Layers.OfType<Scratch.Nn.Dropout>().Count(), Is.GreaterThan(0));
        Assert.Multiple(() =>
        {
            foreach (var (key, p) in a.Params)
                Assert.That(b.Params[key].Value.ToArray(), Is.EqualTo(p.Value.ToArray()), key);   // exact: bit-identical weights
        });
    }

    [Test]
    public void Train_Resume_WithAMismatchedDropoutState_IsRejected()
    {
        string run = Path.Combine(_dir, "run");
        Assert.That(Run("train", "--network", "twolayer", "--epochs", "1", "--output", run).Code, Is.EqualTo(0));
        Assert.That(File.ReadAllText(Path.Combine(run, "dropout-state.json")), Is.EqualTo("[]"));
        File.WriteAllText(Path.Combine(run, "dropout-state.json"), """[{"layer":1,"key":[1,2],"position":0,"hasGauss":false,"cachedGaussian":0}]""");
        var (code, _, error) = Run("train", "--resume", run, "--epochs", "2");
        Assert.That((code, error.TrimEnd()), Is.EqualTo((1, "error: dropout-state.json: states for layers [1], but the network's dropout layers are [].")));
    }

    [Test]
    public void Train_Resume_OfAFinishedRun_AsksForMoreEpochs()
    {
        string run = Path.Combine(_dir, "run");
        Assert.That(Run("train", "--network", "twolayer", "--epochs", "1", "--output", run).Code, Is.EqualTo(0));
        var (code, _, error) = Run("train", "--resume", run);
        Assert.That((code, error.TrimEnd()), Is.EqualTo((2, $"error: --resume: {run} has completed 1 of 1 epochs; pass --epochs with a larger count to train on.")));
    }

    [Test]
    public void Predict_ReadsAPgmImage_AndRejectsAWrongSize()
    {
        string good = Path.Combine(_dir, "digit.pgm"), bad = Path.Combine(_dir, "small.pgm");
        File.WriteAllBytes(good, [.. "P5\n# a comment\n28 28\n255\n"u8.ToArray(), .. Enumerable.Range(0, 784).Select(i => (byte)(i % 28 is > 10 and < 16 ? 255 : 0))]);
        File.WriteAllText(bad, "P2 2 2 255 0 0 0 0");
        float[] pixels = GreyImage.Read(good);
        Assert.Multiple(() =>
        {
            Assert.That(pixels, Has.Length.EqualTo(784));
            Assert.That(pixels[11], Is.EqualTo(1f));
            Assert.That(pixels[0], Is.EqualTo(0f));
            Assert.That(() => GreyImage.Read(bad), Throws.TypeOf<InvalidDataException>().With.Message.Contains("expected a 28×28 grey image (as MNIST), got 2×2"));
            Assert.That(GreyImage.Draw(pixels).Split('\n')[0], Is.EqualTo("             @@@@@            "));
        });
    }

    [Test]
    public void Summary_ListsEveryLayer_WithTheBooksParameterCount()
    {
        var (code, output, error) = Run("summary", "--network", "simpleconv");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.Multiple(() =>
        {
            Assert.That(output, Does.Contain("Convolution").And.Contain("MaxPooling").And.Contain("Affine"));
            Assert.That(output, Does.Contain("(30, 24, 24)").And.Contain("(30, 12, 12)"));
            Assert.That(output, Does.Contain("433,890"), "30·25 + 30 + 4320·100 + 100 + 100·10 + 10 parameters");
        });
        List<LayerCost> rows = LayerCost.Of(new NetworkSpec("simpleconv", [1, 28, 28], 10, null, null, false, 0, "he", Scratch.Nn.Semantics.Modern, 0).Build(), [1, 28, 28]);
        Assert.That(rows[0].Flops, Is.EqualTo((2L * 25 + 1) * 30 * 24 * 24), "2·C·FH·FW multiply-adds + bias per output");
        Assert.That(rows.Single(r => r.Parameters == 432_100).Flops, Is.EqualTo(2L * 4320 * 100 + 100));
    }

    [Test]
    public void SmoothCurve_MatchesNumPy()
    {
        // /usr/bin/python3: x = [sin(i/3) + 0.1·i for i in range(30)]; w = np.kaiser(11, 2); s = np.r_[x[10:0:-1], x, x[-1:-11:-1]];
        // y = np.convolve(w/w.sum(), s, mode='valid')[5:-5] → len 30; y[0], y[1], y[15], y[29] = 0.84083376 0.85838873 0.89547721 3.0344102
        float[] x = Enumerable.Range(0, 30).Select(i => (float)(Math.Sin(i / 3.0) + i * 0.1)).ToArray();
        double[] y = Figure.SmoothCurve(x);
        Assert.That(y, Has.Length.EqualTo(30));
        Assert.That(new[] { y[0], y[1], y[15], y[29] }, Is.EqualTo(new[] { 0.84083376, 0.85838873, 0.89547721, 3.0344102 }).Within(1e-6));
    }
    [Test]
    public void Soak_ShortRun_WritesEverySample_WithTheResidentSplitOnLinux()
    {
        string json = Path.Combine(_dir, "soak.json");
        var (code, output, error) = Run("soak", "--network", "mlp", "--steps", "20", "--sample-every", "10", "--warm-up", "10", "--json", json);
        Assert.That(code, Is.EqualTo(0).Or.EqualTo(1), error);   // the verdict on two samples of a cold process may go either way
        Assert.That(output, Does.Contain("working set").And.Contain("anon").And.Contain("GC heap"));
        JsonElement[] samples = JsonDocument.Parse(File.ReadAllText(json)).RootElement.GetProperty("samples").EnumerateArray().ToArray();
        Assert.That(samples.Select(s => s.GetProperty("step").GetInt32()), Is.EqualTo(new[] { 0, 10, 20 }));
        foreach (JsonElement sample in samples)
        {
            Assert.That(sample.GetProperty("threads").GetInt32(), Is.Positive);
            if (!OperatingSystem.IsLinux()) continue;
            long anonymous = sample.GetProperty("anonymousBytes").GetInt64(), file = sample.GetProperty("fileBytes").GetInt64();
            Assert.That(anonymous, Is.Positive);
            Assert.That(file, Is.Positive);
            Assert.That(anonymous + file, Is.LessThanOrEqualTo(sample.GetProperty("workingSetBytes").GetInt64() + (16 << 20)),
                "anonymous and file-backed pages are parts of the working set (sampled a moment apart)");
        }
    }
}
