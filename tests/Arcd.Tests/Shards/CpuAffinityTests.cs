using Arcd.Ingest.Shards;
using Arcd.Ingest.Platform;

namespace Arcd.Tests.Shards;

public class CpuAffinityTests
{
    [Fact]
    public void Pins_a_thread_to_one_cpu_on_linux_and_explains_otherwise()
    {
        string? result = "not run";
        string? status = null;
        var thread = new Thread(() =>
        {
            result = CpuAffinity.PinCurrentThread(Environment.ProcessorCount - 1);
            if (OperatingSystem.IsLinux()) status = File.ReadAllText("/proc/thread-self/status");
        });
        thread.Start();
        thread.Join();
        if (!OperatingSystem.IsLinux())
        {
            Assert.Contains("Linux only", result);
            return;
        }
        Assert.Null(result);
        var allowed = status!.Split('\n').Single(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal));
        Assert.Equal((Environment.ProcessorCount - 1).ToString(System.Globalization.CultureInfo.InvariantCulture), allowed.Split(':')[1].Trim());
        Assert.Contains("out of range", CpuAffinity.PinCurrentThread(100_000));
    }
}
