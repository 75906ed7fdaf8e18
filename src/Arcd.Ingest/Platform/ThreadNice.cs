using System.Runtime.InteropServices;

namespace Arcd.Ingest.Platform;

/// <summary>Raises the calling thread's nice value (Linux <c>setpriority</c> on its thread id); elsewhere it says why it cannot.</summary>
internal static partial class ThreadNice
{
    private const int PrioProcess = 0; // with a thread id, Linux applies it to that thread alone

    /// <summary>Null when the calling thread now runs at <paramref name="nice"/>; otherwise the reason it does not.</summary>
    public static string? SetCurrentThread(int nice)
    {
        if (!OperatingSystem.IsLinux()) return "per-thread nice values are supported on Linux only";
        return SetPriority(PrioProcess, GetTid(), nice) == 0 ? null : $"setpriority failed (errno {Marshal.GetLastPInvokeError()})";
    }

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetTid();

    [LibraryImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static partial int SetPriority(int which, int who, int priority);
}
