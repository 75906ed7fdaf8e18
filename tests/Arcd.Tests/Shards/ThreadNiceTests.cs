using Arcd.Ingest.Platform;

namespace Arcd.Tests.Shards;

/// <summary>The flush threads' nice value, read back from /proc as the kernel sees it.</summary>
public class ThreadNiceTests
{
    [SkippableFact]
    public void A_thread_gets_the_nice_value_and_other_threads_keep_theirs()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "per-thread nice values are Linux only");
        static string NiceOfThisThread()
        {
            var stat = File.ReadAllText("/proc/thread-self/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[16]; // field 19, counting from the state after the name
        }
        var before = NiceOfThisThread();
        int? seen = null;
        string? problem = null;
        var thread = new Thread(() =>
        {
            problem = ThreadNice.SetCurrentThread(19);
            seen = int.Parse(NiceOfThisThread(), System.Globalization.CultureInfo.InvariantCulture);
        });
        thread.Start();
        thread.Join();
        Assert.Null(problem);
        Assert.Equal(19, seen);
        Assert.Equal(before, NiceOfThisThread());
    }
}
