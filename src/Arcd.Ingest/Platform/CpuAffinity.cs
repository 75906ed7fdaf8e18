using System.Runtime.InteropServices;

namespace Arcd.Ingest.Platform;

/// <summary>Pins the calling thread to one CPU (Linux <c>sched_setaffinity</c>); elsewhere it says why it cannot.</summary>
internal static unsafe partial class CpuAffinity
{
    private const int MaskWords = 16; // cpu_set_t: 1024 CPUs

    /// <summary>Null when the calling thread now runs only on <paramref name="cpu"/>; otherwise the reason it does not.</summary>
    public static string? PinCurrentThread(int cpu)
    {
        if (!OperatingSystem.IsLinux()) return "thread pinning is supported on Linux only";
        if (cpu is < 0 or >= MaskWords * 64) return $"CPU {cpu} is out of range";
        var mask = stackalloc ulong[MaskWords];
        new Span<ulong>(mask, MaskWords).Clear();
        mask[cpu / 64] = 1UL << (cpu % 64);
        return SchedSetAffinity(0, MaskWords * sizeof(ulong), mask) == 0
            ? null
            : $"sched_setaffinity failed (errno {Marshal.GetLastPInvokeError()})";
    }

    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static partial int SchedSetAffinity(int pid, nint size, ulong* mask);
}
