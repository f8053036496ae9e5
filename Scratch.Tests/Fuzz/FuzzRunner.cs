using System.Diagnostics;

namespace Scratch.Tests.Fuzz;

/// <summary>Feeds a corpus to a reader and holds each case to the rules of a reader under attack.</summary>
/// <remarks>
/// Each case must end in <see cref="InvalidDataException"/> or in a result the oracle accepts: no other exception type,
/// and no allocation beyond <see cref="AllocationFactor"/>× the input's size plus <see cref="AllocationAllowance"/>
/// (<see cref="GC.GetAllocatedBytesForCurrentThread"/> around the call), so a header claiming terabytes cannot make the
/// reader reserve them. The slowest case is reported (a hang would stop the run); timing is never asserted.
/// </remarks>
internal static class FuzzRunner
{
    public const long AllocationFactor = 64;
    public const long AllocationAllowance = 1 << 20;   // buffers of the zip, gzip and JSON libraries, whatever the input

    /// <summary>Runs every case; <paramref name="oracle"/> returns null for a correct result, else what is wrong with it.</summary>
    /// <remarks><paramref name="afterRejection"/>, if given, checks the state a rejected case left behind (null: as it should be).
    /// <paramref name="alsoDocumented"/> is a second exception type the reader documents besides <see cref="InvalidDataException"/>
    /// (ONNX import: <see cref="NotSupportedException"/> for a valid model using an operator it has no layer for).</remarks>
    public static void Run(string reader, IEnumerable<FuzzCase> cases, Func<byte[], object?> read, Func<FuzzCase, object?, string?> oracle,
        Func<string?>? afterRejection = null, Type? alsoDocumented = null)
    {
        int total = 0, accepted = 0;
        long largestAllocation = 0;
        var slowest = (Name: "", Ticks: 0L);
        var failures = new List<string>();
        var rejections = new Dictionary<string, int>();
        foreach (FuzzCase c in cases)
        {
            total++;
            long start = Stopwatch.GetTimestamp();
            long before = GC.GetAllocatedBytesForCurrentThread();
            object? result = null;
            Exception? error = null;
            try
            {
                result = read(c.Bytes);
            }
            catch (Exception e)
            {
                error = e;
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            long ticks = Stopwatch.GetTimestamp() - start;
            if (ticks > slowest.Ticks) slowest = (c.Name, ticks);
            largestAllocation = Math.Max(largestAllocation, allocated);

            if (allocated > AllocationFactor * c.Bytes.Length + AllocationAllowance)
                failures.Add($"{c.Name}: allocated {allocated:N0} bytes for a {c.Bytes.Length}-byte input");
            if (error is InvalidDataException || (error is not null && alsoDocumented?.IsInstanceOfType(error) == true))
            {
                string reason = $"{error.GetType().Name}: {Reason(error.Message)}";
                rejections[reason] = rejections.GetValueOrDefault(reason) + 1;
                if (afterRejection?.Invoke() is string changed)
                    failures.Add($"{c.Name}: rejected, but {changed}");
            }
            else if (error is not null)
                failures.Add($"{c.Name}: {error.GetType().Name}: {error.Message}\n{error.StackTrace}");
            else if (oracle(c, result) is string wrong)
                failures.Add($"{c.Name}: accepted with a wrong result: {wrong}");
            else
                accepted++;
        }
        TestContext.Out.WriteLine($"{reader}: {total:N0} cases, {accepted:N0} read correctly, {total - accepted - failures.Count:N0} rejected with {(alsoDocumented is null ? "InvalidDataException" : $"InvalidDataException or {alsoDocumented.Name}")}, " +
                                  $"{failures.Count} failures; largest allocation {largestAllocation:N0} bytes; slowest case {Stopwatch.GetElapsedTime(0, slowest.Ticks).TotalMilliseconds:F1} ms ({slowest.Name})");
        foreach (var (reason, count) in rejections.OrderByDescending(r => r.Value).Take(12))
            TestContext.Out.WriteLine($"  {count,6} × {reason}");
        Assert.That(failures, Is.Empty, $"{failures.Count} of {total} cases broke the rules; the first ones:\n" + string.Join("\n", failures.Take(10)));
        Assert.That(total, Is.GreaterThanOrEqualTo(10_000));
    }

    /// <summary>A rejection message without its numbers, to group the reasons.</summary>
    private static string Reason(string message)
    {
        string text = System.Text.RegularExpressions.Regex.Replace(message, @"\d+", "#");
        return text.Length > 110 ? text[..110] + "…" : text;
    }
}
