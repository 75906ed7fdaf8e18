namespace Arcd.Import.Parquet;

/// <summary>One Parquet import's parameters (ARC-MANAGEMENT §5.3), plus arcd's tag columns.</summary>
public sealed record ParquetImportOptions(string Database, string Measurement, string TimeColumn, string TimeFormat, IReadOnlyList<string> Tags);
