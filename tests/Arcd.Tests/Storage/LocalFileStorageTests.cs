using Arcd.Ingest.Storage;
using Arcd.Tests.Support;

namespace Arcd.Tests.Storage;

public class LocalFileStorageTests
{
    [Fact]
    public void Put_creates_directories_and_the_file_appears_complete()
    {
        using var temp = new TempDirectory();
        var storage = new LocalFileStorage(temp.Path);
        storage.Put("db/m/2024/01/01/00/f.parquet", s => s.Write("PAR1"u8));
        Assert.Equal("PAR1"u8.ToArray(), File.ReadAllBytes(Path.Combine(temp.Path, "db/m/2024/01/01/00/f.parquet")));
        Assert.Empty(Directory.GetFiles(temp.Path, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void A_failed_write_leaves_no_file_and_no_temp_file()
    {
        using var temp = new TempDirectory();
        var storage = new LocalFileStorage(temp.Path);
        Assert.Throws<IOException>(() => storage.Put("db/m/f.parquet", s =>
        {
            s.Write(new byte[100]);
            throw new IOException("disk on fire");
        }));
        Assert.Empty(Directory.GetFiles(temp.Path, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void An_existing_file_is_never_replaced()
    {
        using var temp = new TempDirectory();
        var storage = new LocalFileStorage(temp.Path);
        storage.Put("a.parquet", s => s.WriteByte(1));
        Assert.Throws<IOException>(() => storage.Put("a.parquet", s => s.WriteByte(2)));
        Assert.Equal([1], File.ReadAllBytes(Path.Combine(temp.Path, "a.parquet")));
        Assert.Empty(Directory.GetFiles(temp.Path, "*.tmp"));
    }

    [Fact]
    public void BeforeCommit_runs_after_the_content_is_written_and_before_the_file_is_visible()
    {
        using var temp = new TempDirectory();
        var storage = new LocalFileStorage(temp.Path);
        var seen = (Exists: true, Temps: 0);
        storage.Put("d/a.parquet", s => s.Write(new byte[10]), () =>
            seen = (storage.Exists("d/a.parquet"), Directory.GetFiles(Path.Combine(temp.Path, "d"), "*.tmp").Length));
        Assert.Equal((false, 1), seen);
        Assert.True(storage.Exists("d/a.parquet"));
    }

    [Fact]
    public void List_shows_complete_files_with_sizes_in_path_order_and_hides_temp_files()
    {
        using var temp = new TempDirectory();
        var storage = new LocalFileStorage(temp.Path);
        storage.Put("db/m/2024/01/01/01/b.parquet", s => s.Write(new byte[3]));
        storage.Put("db/m/2024/01/01/00/a.parquet", s => s.Write(new byte[5]));
        File.WriteAllBytes(Path.Combine(temp.Path, "db/m/2024/01/01/00", LocalFileStorage.TempPrefix + "x" + LocalFileStorage.TempSuffix), [1]);

        Assert.Equal(["db/m/2024/01/01/00/a.parquet"], storage.List("db/m/2024/01/01/00").Select(f => f.Path));
        var all = storage.List("db/m", recursive: true);
        Assert.Equal(["db/m/2024/01/01/00/a.parquet", "db/m/2024/01/01/01/b.parquet"], all.Select(f => f.Path));
        Assert.Equal([5L, 3L], all.Select(f => f.Size));
        Assert.All(all, f => Assert.True(f.LastModifiedUtc > DateTime.UtcNow.AddMinutes(-5)));
        Assert.Equal(["00", "01"], storage.ListDirectories("db/m/2024/01/01"));
        Assert.Empty(storage.List("nope"));
        Assert.Empty(storage.ListDirectories("nope"));
        Assert.Equal(1, storage.SweepTemporaryFiles("db"));
        Assert.Empty(Directory.GetFiles(temp.Path, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void OpenRead_reads_ranges_and_Delete_is_idempotent()
    {
        using var temp = new TempDirectory();
        var storage = new LocalFileStorage(temp.Path);
        storage.Put("f.bin", s => s.Write([1, 2, 3, 4, 5]));
        using (var stream = storage.OpenRead("f.bin"))
        {
            stream.Seek(3, SeekOrigin.Begin);
            var tail = new byte[2];
            stream.ReadExactly(tail);
            Assert.Equal([4, 5], tail);
        }
        Assert.True(storage.Delete("f.bin"));
        Assert.False(storage.Delete("f.bin"));
        Assert.False(storage.Exists("f.bin"));
    }

    [Fact]
    public void Paths_outside_the_root_are_refused()
    {
        using var temp = new TempDirectory();
        var storage = new LocalFileStorage(Path.Combine(temp.Path, "root"));
        Assert.Throws<ArgumentException>(() => storage.Put("../escape.parquet", s => s.WriteByte(1)));
        Assert.Throws<ArgumentException>(() => storage.Delete("../../etc/passwd"));
        Assert.False(File.Exists(Path.Combine(temp.Path, "escape.parquet")));
    }
}
