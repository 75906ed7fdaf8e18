namespace Arcd.Cli;

/// <summary>What <c>arcd import</c> was asked to do.</summary>
public sealed class ImportArguments
{
    public string? File { get; set; }
    public string? Database { get; set; }
    public string? Measurement { get; set; }
    public string? Url { get; set; }
    public string? Token { get; set; }
    public string? Format { get; set; }
    public string? TimeColumn { get; set; }
    public string? TimeFormat { get; set; }
    public string? Tags { get; set; }
    public string? Precision { get; set; }
    public string? Delimiter { get; set; }

    /// <summary>Takes one option (and its value) or the file; false for anything else (config overrides).</summary>
    public bool TryTake(IReadOnlyList<string> args, ref int i)
    {
        string Value(ref int index, string name) => index + 1 < args.Count ? args[++index] : throw new ArgumentException($"{name} needs a value");
        var arg = args[i];
        switch (arg)
        {
            case "--database" or "-d": Database = Value(ref i, arg); return true;
            case "--measurement" or "-m": Measurement = Value(ref i, arg); return true;
            case "--url": Url = Value(ref i, arg); return true;
            case "--token": Token = Value(ref i, arg); return true;
            case "--format": Format = Value(ref i, arg); return true;
            case "--time-column": TimeColumn = Value(ref i, arg); return true;
            case "--time-format": TimeFormat = Value(ref i, arg); return true;
            case "--tags": Tags = Value(ref i, arg); return true;
            case "--precision": Precision = Value(ref i, arg); return true;
            case "--delimiter": Delimiter = Value(ref i, arg); return true;
            default:
                if (arg.StartsWith('-') || File is not null) return false;
                File = arg;
                return true;
        }
    }

    public void Validate()
    {
        if (File is null) throw new ArgumentException("import needs a FILE");
        if (string.IsNullOrWhiteSpace(Database)) throw new ArgumentException("import needs --database");
        Format ??= FormatOf(File);
        if (Format is not ("csv" or "parquet" or "lp"))
            throw new ArgumentException($"import cannot tell the format of '{File}'; pass --format csv, parquet or lp");
        if (Format is "csv" or "parquet" && string.IsNullOrWhiteSpace(Measurement))
            throw new ArgumentException($"a {Format} import needs --measurement");
    }

    /// <summary>From the file name: .csv/.tsv, .parquet, .lp/.txt/.line (gzipped too).</summary>
    public static string? FormatOf(string file)
    {
        var name = file.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? file[..^3] : file;
        return Path.GetExtension(name).ToLowerInvariant() switch
        {
            ".csv" or ".tsv" => "csv",
            ".parquet" => "parquet",
            ".lp" or ".txt" or ".line" or ".influx" => "lp",
            _ => null,
        };
    }
}
