using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Arcd.MicroBench;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// arcd-microbench check BUDGETS.json : short in-process runs of every benchmark, then each one's
//                                      allocated bytes per operation against its budget (exit 1 over).
// arcd-microbench [BenchmarkDotNet arguments] : the usual BenchmarkDotNet switcher (full runs).
if (args.Length >= 1 && args[0] == "check")
{
    var budgetsPath = args.Length >= 2 ? args[1] : "bench/allocation-budgets.json";
    var budgets = ReadBudgets(budgetsPath);
    var config = ManualConfig.CreateMinimumViable()
        .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance))
        .WithOptions(ConfigOptions.DisableOptimizationsValidator);
    var summary = BenchmarkRunner.Run<IngestBenchmarks>(config);
    return Check(summary, budgets);
}
// arcd-microbench loop NAME SECONDS : runs one benchmark method in a loop (for perf record with DOTNET_PerfMapEnabled=1).
if (args.Length >= 3 && args[0] == "loop")
{
    var benchmarks = new IngestBenchmarks();
    benchmarks.Setup();
    var method = typeof(IngestBenchmarks).GetMethod(args[1]) ?? throw new ArgumentException($"no benchmark {args[1]}");
    // A second untimed first, so tiered compilation has settled before the clock starts.
    for (var warm = DateTime.UtcNow.AddSeconds(1); DateTime.UtcNow < warm;) method.Invoke(benchmarks, null);
    var until = DateTime.UtcNow.AddSeconds(double.Parse(args[2], CultureInfo.InvariantCulture));
    var calls = 0;
    var clock = System.Diagnostics.Stopwatch.StartNew();
    while (DateTime.UtcNow < until) { method.Invoke(benchmarks, null); calls++; }
    var rows = method.GetCustomAttribute<RowsPerOperationAttribute>()?.Rows ?? 1;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{args[1]}: {calls} calls, {clock.Elapsed.TotalNanoseconds / calls / rows:F1} ns/row"));
    return 0;
}
BenchmarkSwitcher.FromAssembly(typeof(IngestBenchmarks).Assembly).Run(args);
return 0;

static Dictionary<string, long> ReadBudgets(string path)
{
    using var document = JsonDocument.Parse(File.ReadAllBytes(path));
    return document.RootElement.GetProperty("maxAllocatedBytesPerOperation").EnumerateObject()
        .ToDictionary(p => p.Name, p => p.Value.GetInt64());
}

static int Check(Summary summary, Dictionary<string, long> budgets)
{
    var failed = false;
    Console.WriteLine();
    Console.WriteLine($"{"benchmark",-24} {"mean",12} {"ns/row",9} {"alloc B/op",12} {"B/row",8} {"budget B/op",12}  verdict");
    foreach (var report in summary.Reports)
    {
        var name = report.BenchmarkCase.Descriptor.WorkloadMethod.Name;
        var rows = report.BenchmarkCase.Descriptor.WorkloadMethod.GetCustomAttribute<RowsPerOperationAttribute>()?.Rows ?? 1;
        var allocated = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? -1;
        var mean = report.ResultStatistics?.Mean ?? double.NaN;
        var verdict = "no budget";
        if (budgets.TryGetValue(name, out var budget))
        {
            var over = allocated < 0 || allocated > budget;
            failed |= over;
            verdict = over ? "OVER BUDGET" : "ok";
        }
        else failed = true;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-24} {mean / 1000,10:F1}µs {mean / rows,9:F1} {allocated,12} {(double)allocated / rows,8:F2} {(budgets.TryGetValue(name, out var b) ? b : -1),12}  {verdict}"));
    }
    foreach (var missing in budgets.Keys.Except(summary.Reports.Select(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name)))
    {
        Console.WriteLine($"{missing}: has a budget but did not run");
        failed = true;
    }
    Console.WriteLine(failed ? "bench-check: FAILED" : "bench-check: every benchmark within its allocation budget");
    return failed ? 1 : 0;
}
