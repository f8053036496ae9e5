using System.Diagnostics;
using System.Text;

namespace Scratch.Tests.Packaging;

/// <summary>
/// The packages as a user gets them: <c>dotnet pack</c> into a folder, a fresh console project that references the four
/// packages from that folder feed, and a short training run against them.
/// </summary>
public class PackageTests
{
    private const string Example = """
        using Scratch.Data;
        using Scratch.Nn;
        using Scratch.Optim;

        // The book's ch05 two-layer network on the digits embedded in Scratch.Data: 200 SGD steps of 100 digits.
        var ((xTrain, tTrain), (xTest, tTest)) = Mnist.LoadEmbedded(normalize: true, flatten: true);
        var network = new TwoLayerNet(inputSize: 784, hiddenSize: 50, outputSize: 10, seed: 0);
        var optimizer = new Sgd(lr: 0.1f);
        float firstLoss = 0f, lastLoss = 0f;
        for (int step = 0; step < 200; step++)
        {
            int start = step * 100 % Mnist.EmbeddedTrainCount;
            var (loss, _) = network.Gradient(xTrain.Slice(0, start, start + 100), tTrain.Slice(0, start, start + 100));
            optimizer.Update(network.Parameters);
            if (step == 0) firstLoss = loss;
            lastLoss = loss;
        }
        Onnx.Save(network, "two-layer.onnx");
        Console.WriteLine($"loss {firstLoss:F4} -> {lastLoss:F4}");
        Console.WriteLine($"test accuracy {network.Accuracy(xTest, tTest):F4}");
        Console.WriteLine($"onnx layers {Onnx.Load("two-layer.onnx").Layers.Count}");
        """;

    private static readonly string[] Packages = ["Scratch.Tensors", "Scratch.Optim", "Scratch.Data", "Scratch.Nn"];

    private string _dir = "";

    [SetUp]
    public void SetUp() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "scratch-package-" + Guid.NewGuid().ToString("N")));

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    [Test]   // about a minute: packs four projects, restores and builds a project (54 s on a loaded 2-core machine)
    public void PackedPackages_InstallIntoFreshProject_AndTrain()
    {
        string root = RepositoryRoot();
        string feed = Path.Combine(_dir, "feed"), app = Path.Combine(_dir, "app");
        foreach (string package in Packages)
            Dotnet(root, ["pack", Path.Combine(root, package, package + ".csproj"), "-c", "Release", "-o", feed, "--disable-build-servers"]);
        foreach (string package in Packages)
        {
            Assert.That(File.Exists(Path.Combine(feed, $"{package}.0.1.0.nupkg")), $"{package}.nupkg");
            Assert.That(File.Exists(Path.Combine(feed, $"{package}.0.1.0.snupkg")), $"{package}.snupkg");
        }

        // A project outside the repository (so none of its Directory.*.props apply), restoring from the feed and, for the
        // packages' own dependencies, from the machine's package cache used as a folder feed: no network needed. Scratch.* come
        // from the fresh feed only, never from a copy a previous run may have left in the cache.
        Directory.CreateDirectory(app);
        string references = string.Concat(Packages.Select(p => $"""    <PackageReference Include="{p}" Version="0.1.0" />{"\n"}"""));
        File.WriteAllText(Path.Combine(app, "App.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
            {references}  </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), Example);
        string cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="scratch" value="{feed}" />
                <add key="cache" value="{cache}" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="scratch"><package pattern="Scratch.*" /></packageSource>
                <packageSource key="cache"><package pattern="*" /></packageSource>
              </packageSourceMapping>
            </configuration>
            """);

        // A private package folder, so the just-packed 0.1.0 is installed fresh instead of an older one from the cache.
        var env = new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(_dir, "packages") };
        Dotnet(app, ["build", "-c", "Release", "--disable-build-servers"], env);
        string output = Dotnet(app, [Path.Combine(app, "bin", "Release", "net10.0", "App.dll")], env);

        TestContext.Out.WriteLine(output);
        var lines = output.Split('\n', StringSplitOptions.TrimEntries);
        float[] losses = lines.Single(l => l.StartsWith("loss ")).Split(' ')[1..].Where(w => w != "->").Select(float.Parse).ToArray();
        Assert.That(losses[1], Is.LessThan(losses[0] * 0.5f), "the loss falls");
        Assert.That(float.Parse(lines.Single(l => l.StartsWith("test accuracy ")).Split(' ')[^1]), Is.GreaterThan(0.8f));
        Assert.That(lines, Does.Contain("onnx layers 3"));
    }

    /// <summary>The folder holding Scratch.Tensors.sln, above the test assembly.</summary>
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Scratch.Tensors.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"No Scratch.Tensors.sln above {TestContext.CurrentContext.TestDirectory}.");
    }

    /// <summary>Runs <c>dotnet</c> with <paramref name="args"/> in <paramref name="workingDirectory"/>; fails the test with the output unless it exits with 0.</summary>
    private static string Dotnet(string workingDirectory, string[] args, Dictionary<string, string>? env = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string arg in args) start.ArgumentList.Add(arg);
        // None of the test host's MSBuild settings leak in (and --disable-build-servers leaves no server running after the test).
        foreach (string key in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(key);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in env ?? []) start.Environment[key] = value;

        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"dotnet {string.Join(' ', args)} did not finish in 5 minutes:\n{output}");
        }
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.Zero, $"dotnet {string.Join(' ', args)}:\n{output}");
        return output.ToString();
    }
}
