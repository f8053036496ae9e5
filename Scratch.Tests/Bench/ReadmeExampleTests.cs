using System.Runtime.CompilerServices;
using Scratch.Data;
using Scratch.Nn;
using Scratch.Optim;

namespace Scratch.Tests.Bench;

/// <summary>The C# quick start of the README: compiled here, and the README's block checked to be this code line by line.</summary>
public class ReadmeExampleTests
{
    /// <summary>The README example, verbatim between the markers (its file name is relative, so it writes to the working directory).</summary>
    private static void Example(int epochs)
    {
        // README example begin
        var ((xTrain, tTrain), (xTest, tTest)) = Mnist.LoadEmbedded(normalize: true, flatten: false);
        var network = new SimpleConvNet(weightInit: WeightInit.He, seed: 0);          // conv 30×5×5 → pool → affine 100 → affine 10
        var trainer = new Trainer(network, xTrain, tTrain, xTest, tTest, epochs: epochs, miniBatchSize: 100, optimizer: new Adam(1e-3f));
        trainer.EpochCompleted += e => Console.WriteLine($"epoch {e.Epoch}: loss {e.TrainLoss:F4}, test accuracy {e.TestAccuracy:F4}");
        Console.WriteLine($"test accuracy: {trainer.Train():F4}");
        Checkpoint.Save("simple-conv.npz", network);                                  // np.load("simple-conv.npz")["W1"] reads it
        // README example end
    }

    [Test]
    public void ReadmeExample_IsTheCompiledCode()
    {
        string[] code = Between(File.ReadAllLines(ThisFile()), "// README example begin", "// README example end");
        string[] readme = Between(File.ReadAllLines(Path.Combine(RepositoryRoot(), "README.md")), "```csharp", "```");
        string[] usings = ["using Scratch.Data;", "using Scratch.Nn;", "using Scratch.Optim;", "", "int epochs = 10;"];
        Assert.That(readme, Is.EqualTo(usings.Concat(code)), "the README's C# block must be this test's example, after its usings");
    }

    [Test]
    public void ReadmeExample_Runs()
    {
        string directory = Directory.CreateTempSubdirectory("scratch-readme-").FullName;
        string previous = Environment.CurrentDirectory;
        TextWriter output = Console.Out;
        try
        {
            Environment.CurrentDirectory = directory;
            Console.SetOut(new StringWriter());
            Assert.That(() => Example(epochs: 0), Throws.Nothing);   // no epochs: every line runs, the test stays fast
            Assert.That(File.Exists(Path.Combine(directory, "simple-conv.npz")), Is.True);
        }
        finally
        {
            Console.SetOut(output);
            Environment.CurrentDirectory = previous;
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string[] Between(string[] lines, string begin, string end)
    {
        int first = Array.FindIndex(lines, l => l.Trim() == begin) + 1;
        int last = Array.FindIndex(lines, first, l => l.Trim() == end);
        Assert.That(first > 0 && last > first, Is.True, $"markers {begin} … {end} not found");
        return lines[first..last].Select(l => l.Trim()).ToArray();
    }

    private static string ThisFile([CallerFilePath] string path = "") => path;

    private static string RepositoryRoot() => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(ThisFile())!, "..", ".."));
}
