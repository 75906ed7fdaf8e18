using System.Runtime.InteropServices;

namespace Arcd.Ingest.Platform;

/// <summary>
/// Named places where the crash tests kill the process, as kill -9 would, to prove that a rewrite
/// is exactly once from every intermediate state. Armed only by the environment variable
/// <c>ARCD_TEST_CRASH_POINT</c> (the tests set it on the daemon they start); unset, a hit is one
/// string comparison against null.
/// </summary>
public static partial class CrashPoints
{
    private static readonly string? Armed = Environment.GetEnvironmentVariable("ARCD_TEST_CRASH_POINT");
    private const int SigKill = 9;

    public static void Hit(string name)
    {
        if (Armed is null || !string.Equals(Armed, name, StringComparison.Ordinal)) return;
        Console.Error.WriteLine($"arcd: crash point {name}: killing the process");
        Console.Error.Flush();
        if (OperatingSystem.IsWindows()) Environment.FailFast($"crash point {name}");
        _ = Kill(GetPid(), SigKill);
        Thread.Sleep(Timeout.Infinite);
    }

    [LibraryImport("libc", EntryPoint = "getpid")]
    private static partial int GetPid();

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
