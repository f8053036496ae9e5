using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using Scratch.Tensors;
using Scratch.Tensors.Kernels;

namespace Scratch.Tests.Tensors;

/// <summary>The background compilation of the GEMM kernels: it runs once, changes no result, and the switch keeps it off.</summary>
public class KernelWarmUpTests
{
    [Test]
    public void WarmUpAsync_Completes_AndEveryCallReturnsTheSameTask()
    {
        var tasks = new Task[8];
        Parallel.For(0, tasks.Length, i => tasks[i] = Gemm.WarmUpAsync());

        Assert.That(tasks, Is.All.SameAs(tasks[0]));
        Assert.That(tasks[0].Wait(TimeSpan.FromMinutes(1)), Is.True, "the warm-up did not finish");
        Assert.That(tasks[0].IsCompletedSuccessfully, Is.True);
        Assert.That(Gemm.WarmUpAsync(), Is.SameAs(tasks[0]));
        Assert.That(KernelWarmUp.HasStarted, Is.True);
    }

    [Test]
    public void FirstUseOfNDArray_StartsTheWarmUp()
    {
        _ = NDArray.Zeros(1);
        Assert.That(KernelWarmUp.HasStarted, Is.True);
    }

    [Test]
    public void MatMul_WhileTheWarmUpRuns_IsBitIdenticalToMatMulWithout()
    {
        // (257, 300)·(300, 129) with B a transposed view: 9.9 M multiply-adds, so both products use the worker threads.
        NDArray a = NDArray.RandomNormal([257, 300], seed: 1), b = NDArray.RandomNormal([129, 300], seed: 2).T;
        float[] before = NDArray.MatMul(a, b).ToArray();

        int warmUps = 0;
        bool stop = false;
        var warmUpThread = new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
            {
                KernelWarmUp.RunSmallProducts();
                Interlocked.Increment(ref warmUps);
            }
        });
        warmUpThread.Start();
        var during = new List<float[]>();
        try
        {
            // At least 10 products, and until 3 warm-ups have run, so some products surely overlap one.
            while (during.Count < 10 || Volatile.Read(ref warmUps) < 3)
                during.Add(NDArray.MatMul(a, b).ToArray());
        }
        finally
        {
            Volatile.Write(ref stop, true);
            warmUpThread.Join();
        }
        float[] after = NDArray.MatMul(a, b).ToArray();

        for (int i = 0; i < during.Count; i++)
            Assert.That(during[i], Is.EqualTo(before).AsCollection, $"product {i} during the warm-up");
        Assert.That(after, Is.EqualTo(before).AsCollection, "product after the warm-up");
    }

    [Test]
    public void DisableSwitch_KeepsTheFirstUseFromStartingTheWarmUp()
    {
        // The warm-up starts once per loaded copy of the library, and this process's copy started long ago: a fresh
        // copy in its own load context (with its own statics) shows what the first use in a new process does.
        var context = new AssemblyLoadContext("warm-up switch", isCollectible: true);
        AppContext.SetSwitch(KernelWarmUp.DisableSwitch, true);
        try
        {
            Assembly copy = context.LoadFromAssemblyPath(typeof(NDArray).Assembly.Location);
            RuntimeHelpers.RunClassConstructor(copy.GetType(typeof(NDArray).FullName!, throwOnError: true)!.TypeHandle);
            PropertyInfo hasStarted = copy.GetType(typeof(KernelWarmUp).FullName!, throwOnError: true)!.GetProperty(nameof(KernelWarmUp.HasStarted))!;

            Assert.That(hasStarted.GetValue(null), Is.False);
        }
        finally
        {
            AppContext.SetSwitch(KernelWarmUp.DisableSwitch, false);
            context.Unload();
        }
    }
}
