using DuckDB.NET.Data;

namespace Arcd.Tests.Support;

/// <summary>DuckDB as the independent reader of what arcd wrote.</summary>
public static class DuckDb
{
    public static List<object?[]> Query(string sql)
    {
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    public static object? Scalar(string sql) => Query(sql)[0][0];

    /// <summary>Every Parquet file of one measurement, as Arc's query layer globs it.</summary>
    public static string Files(string dataRoot, string database, string measurement) =>
        $"read_parquet('{dataRoot}/{database}/{measurement}/**/*.parquet', union_by_name=true)";

    /// <summary>Column name to DuckDB type for a Parquet source.</summary>
    public static Dictionary<string, string> Types(string source) =>
        Query($"DESCRIBE SELECT * FROM {source}").ToDictionary(r => (string)r[0]!, r => (string)r[1]!);
}
