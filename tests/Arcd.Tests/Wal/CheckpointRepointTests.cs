using Arcd.Ingest.Columnar;
using Arcd.Ingest.Wal;
using Arcd.Tests.Support;

namespace Arcd.Tests.Wal;

public class CheckpointRepointTests
{
    [Fact]
    public void Intents_naming_replaced_files_are_copied_to_name_the_output_durably_and_trimmed_with_the_originals()
    {
        using var temp = new TempDirectory();
        var a = new CheckpointEntry("db", "cpu", "s", new WalPosition(0, 1, 0), new WalPosition(0, 5, 0), 10, "db/cpu/a.parquet");
        var b = new CheckpointEntry("db", "cpu", "s", new WalPosition(0, 6, 0), new WalPosition(0, 9, 1), 10, "db/cpu/b.parquet");
        var other = new CheckpointEntry("db", "mem", "s", new WalPosition(0, 2, 1), new WalPosition(0, 2, 1), 10, "db/mem/c.parquet");
        using (var log = CheckpointLog.Open(temp.Path, 0))
        {
            log.Append(a);
            log.Append(b);
            log.Append(other);
            Assert.Equal(2, log.Repoint(new HashSet<string> { "db/cpu/a.parquet", "db/cpu/b.parquet" }, "db/cpu/out.parquet"));
            Assert.Equal(0, log.Repoint(new HashSet<string> { "db/cpu/none.parquet" }, "db/cpu/x.parquet"));
        }
        using (var reopened = CheckpointLog.Open(temp.Path, 0))
        {
            var entries = reopened.Entries;
            Assert.Equal(5, entries.Count);
            Assert.Contains(a with { RelativePath = "db/cpu/out.parquet" }, entries);
            Assert.Contains(b with { RelativePath = "db/cpu/out.parquet" }, entries);
            // Trimming below LSN 6 drops a and its copy together (and the mem intent), keeps b and its copy.
            reopened.Trim(6);
            Assert.Equal(["db/cpu/b.parquet", "db/cpu/out.parquet"], reopened.Entries.Select(e => e.RelativePath));
        }
    }
}
