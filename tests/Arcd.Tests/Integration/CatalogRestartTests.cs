using System.Net;
using Arcd.Tests.Support;

namespace Arcd.Tests.Integration;

public class CatalogRestartTests
{
    [Fact]
    public async Task Column_kinds_survive_a_restart()
    {
        using var temp = new TempDirectory();
        await using (var first = await DaemonProcess.StartAsync(temp.Path))
        {
            using var response = await first.PostMsgPackAsync(MsgPack.Columnar("m", ("time", [1L]), ("v", [1.5])));
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            Assert.Equal(0, await first.StopAsync());
        }
        await using var second = await DaemonProcess.StartAsync(temp.Path);
        using (var conflict = await second.PostMsgPackAsync(MsgPack.Columnar("m", ("time", [2L]), ("v", ["text"]))))
        {
            Assert.Equal(HttpStatusCode.BadRequest, conflict.StatusCode);
            Assert.Contains("column 'v'", await conflict.Content.ReadAsStringAsync());
        }
        using (var fine = await second.PostMsgPackAsync(MsgPack.Columnar("m", ("time", [3L]), ("v", [7L]))))
            Assert.Equal(HttpStatusCode.NoContent, fine.StatusCode);
        Assert.Equal(0, await second.StopAsync());
        Assert.Equal(2L, DuckDb.Scalar($"SELECT count(*) FROM {DuckDb.Files(second.DataRoot, "default", "m")}"));
    }
}
