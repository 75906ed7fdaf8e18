using System.Diagnostics;
using System.Net;
using Arcd.Tests.Support;

namespace Arcd.Tests.Integration;

/// <summary>The published Native AOT binary, started for real (acceptance 1 and 2).</summary>
public class AotBinaryTests
{
    private static (int ExitCode, string Stdout, string Stderr) Run(string workDir, params string[] args)
    {
        var start = new ProcessStartInfo(RepoPaths.AotBinary) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workDir };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public async Task Published_binary_writes_tv1_and_flushes_it_on_sigterm()
    {
        using var temp = new TempDirectory();
        await using var daemon = await DaemonProcess.StartAsync(temp.Path, aot: true);
        await daemon.WaitReadyAsync(); // writes get 503 until the (empty) WAL replay is done
        using (var response = await daemon.PostMsgPackAsync(MsgPack.Hex(Wire.ColumnarMsgPackDecoderTests.Tv1), "production"))
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(0, await daemon.StopAsync());
        await Tv1Check.AssertStoredAsync(daemon.DataRoot);
    }

    [Fact]
    public async Task Published_binary_answers_sql_with_the_libduckdb_shipped_next_to_it()
    {
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(RepoPaths.AotBinary)!, "libduckdb.so")), "libduckdb.so is not next to the binary");
        using var temp = new TempDirectory();
        await using var daemon = await DaemonProcess.StartAsync(temp.Path, ["--Ingest:MaxBufferAge=00:00:00.2"], aot: true);
        await daemon.WaitReadyAsync(); // writes get 503 until the (empty) WAL replay is done
        using (var response = await daemon.PostMsgPackAsync(MsgPack.Hex(Wire.ColumnarMsgPackDecoderTests.Tv1), "production"))
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.DoesNotContain("libduckdb", File.ReadAllText($"/proc/{daemon.Process.Id}/maps"));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var response = await daemon.Client.PostAsync("/api/v1/query", new StringContent(
                """{"sql":"SELECT time, host, usage FROM production.cpu ORDER BY time"}""", System.Text.Encoding.UTF8, "application/json"));
            var body = await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            if (body.Contains("\"row_count\":2", StringComparison.Ordinal))
            {
                Assert.StartsWith("""{"success":true,"columns":["time","host","usage"],"data":[["2023-11-14T22:13:20Z","a",1.5],["2023-11-14T22:13:21Z","b",2.5]],"row_count":2,""", body);
                break;
            }
            Assert.True(DateTime.UtcNow < deadline, body);
            await Task.Delay(100);
        }
        Assert.Contains("libduckdb", File.ReadAllText($"/proc/{daemon.Process.Id}/maps"));
        Assert.Contains("query threads cannot write files", daemon.Output);
    }

    [Fact]
    public void Published_binary_runs_with_no_config_file_and_embedded_defaults()
    {
        using var temp = new TempDirectory();
        var (exitCode, stdout, stderr) = Run(temp.Path, "check-config");
        Assert.Equal(0, exitCode);
        Assert.Contains("embedded defaults", stderr);
        Assert.Contains("\"Port\": 8000", stdout);
        Assert.Contains("\"Root\": \"./data/arc\"", stdout);
    }

    [Fact]
    public void Published_binary_reports_its_version_and_config_errors()
    {
        using var temp = new TempDirectory();
        var version = Run(temp.Path, "version");
        Assert.Equal(0, version.ExitCode);
        Assert.StartsWith("arcd ", version.Stdout);

        var bad = Run(temp.Path, "check-config", "--Server:Port=0");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("Server:Port", bad.Stderr);
    }
}
