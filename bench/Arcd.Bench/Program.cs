using Arcd.Bench;

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.WriteLine(StartupBench.Usage);
    Console.WriteLine(LoadBench.Usage);
    Console.WriteLine(CeilingServer.Usage);
    return args.Length == 0 ? 2 : 0;
}

try
{
    return args[0] switch
    {
        "startup" => await StartupBench.RunAsync(BenchArgs.Parse(args.AsSpan(1))),
        "load" => await LoadBench.RunAsync(BenchArgs.Parse(args.AsSpan(1))),
        "ceiling" => await CeilingServer.RunAsync(BenchArgs.Parse(args.AsSpan(1))),
        _ => throw new ArgumentException($"unknown mode '{args[0]}'"),
    };
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"arcd-bench: {ex.Message}");
    Console.Error.WriteLine(StartupBench.Usage);
    Console.Error.WriteLine(LoadBench.Usage);
    Console.Error.WriteLine(CeilingServer.Usage);
    return 2;
}
