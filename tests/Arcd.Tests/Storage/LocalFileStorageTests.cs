using Arcd.Ingest.Storage;
using Arcd.Tests.Support;

namespace Arcd.Tests.Storage;

public class LocalFileStorageTests
{
    [Fact]
    public async Task Put_creates_directories_and_the_file_appears_complete()
    {
        using var temp = new TempDirectory();
        var storage = new LocalFileStorage(temp.Path);
        await storage.PutAsync("db/m/2024/01/01/00/f.parquet", (s, ct) => s.WriteAsync("PAR1"u8.ToArray(), ct).AsTask(), default);
        Assert.Equal("PAR1"u8.ToArray(), await File.ReadAllBytesAsync(Path.Combine(temp.Path, "db/m/2024/01/01/00/f.parquet")));
        Assert.Empty(Directory.GetFiles(temp.Path, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_failed_write_leaves_no_file_and_no_temp_file()
    {
        using var temp = new TempDirectory();
        var storage = new LocalFileStorage(temp.Path);
        await Assert.ThrowsAsync<IOException>(() => storage.PutAsync("db/m/f.parquet", async (s, ct) =>
        {
            await s.WriteAsync(new byte[100], ct);
            throw new IOException("disk on fire");
        }, default));
        Assert.Empty(Directory.GetFiles(temp.Path, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task An_existing_file_is_never_replaced()
    {
        using var temp = new TempDirectory();
        var storage = new LocalFileStorage(temp.Path);
        await storage.PutAsync("a.parquet", (s, ct) => s.WriteAsync(new byte[] { 1 }, ct).AsTask(), default);
        await Assert.ThrowsAsync<IOException>(() => storage.PutAsync("a.parquet", (s, ct) => s.WriteAsync(new byte[] { 2 }, ct).AsTask(), default));
        Assert.Equal([1], await File.ReadAllBytesAsync(Path.Combine(temp.Path, "a.parquet")));
        Assert.Empty(Directory.GetFiles(temp.Path, "*.tmp"));
    }
}
