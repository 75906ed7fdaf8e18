using System.Diagnostics;
using System.Text.Json;
using Arcd.Tests.Support;

namespace Arcd.Tests.Integration;

/// <summary>
/// The daemon's log format as a person and a log shipper see it: text on a terminal (a pseudo-terminal
/// made by util-linux's <c>script</c>), JSON lines when stderr is a pipe (systemd, launchd, CI), and
/// <c>Logging:Format</c> (or <c>Log:Format</c>) forcing either.
/// </summary>
public class LogFormatTests
{
    /// <summary>Starts the daemon (optionally under a pseudo-terminal), waits for its start-up line, stops it, returns that line.</summary>
    private static async Task<string> StartupLineAsync(bool terminal, params string[] settings)
    {
        using var temp = new TempDirectory();
        string[] daemon = ["dotnet", RepoPaths.DaemonDll, $"--Server:Port={FreePort.Next()}", $"--Storage:Root={Path.Combine(temp.Path, "data")}",
            "--Auth:Enabled=false", .. settings];
        var start = terminal
            ? new ProcessStartInfo("script") { ArgumentList = { "-qfec", string.Join(' ', daemon.Select(a => $"'{a}'")), "/dev/null" } }
            : new ProcessStartInfo(daemon[0]);
        if (!terminal) foreach (var arg in daemon[1..]) start.ArgumentList.Add(arg);
        start.RedirectStandardOutput = start.RedirectStandardError = true;
        start.RedirectStandardInput = terminal; // script needs a stdin; the daemon never reads it
        start.WorkingDirectory = temp.Path;
        using var process = Process.Start(start)!;
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Look(string? line)
        {
            if (line is not null && line.Contains("listening on", StringComparison.Ordinal)) found.TrySetResult(line.Trim());
        }
        process.OutputDataReceived += (_, e) => Look(e.Data);
        process.ErrorDataReceived += (_, e) => Look(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            return await found.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    private static bool IsJson(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    [SkippableFact]
    public async Task Text_on_a_terminal_json_through_a_pipe_and_logging_format_forces_either()
    {
        Skip.IfNot(File.Exists("/usr/bin/script"), "util-linux 'script' (bsdutils) makes the pseudo-terminal");
        var onTerminal = await StartupLineAsync(terminal: true);
        Assert.False(IsJson(onTerminal), onTerminal);
        var piped = await StartupLineAsync(terminal: false);
        Assert.True(IsJson(piped), piped);
        var forcedJson = await StartupLineAsync(terminal: true, "--Logging:Format=json");
        Assert.True(IsJson(forcedJson), forcedJson);
        var forcedText = await StartupLineAsync(terminal: false, "--Logging:Format=text");
        Assert.False(IsJson(forcedText), forcedText);
    }
}
