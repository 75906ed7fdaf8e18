using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Arcd.Tests.Support;

namespace Arcd.Tests.Integration;

public class TlsTests
{
    [Fact]
    public async Task Https_round_trip_with_a_self_signed_certificate_made_here()
    {
        using var temp = new TempDirectory();
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var certificatePath = Path.Combine(temp.Path, "arcd.crt");
        var keyPath = Path.Combine(temp.Path, "arcd.key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());

        var thumbprint = certificate.Thumbprint;
        using var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, _) => presented is X509Certificate2 c && c.Thumbprint == thumbprint;
        await using var daemon = await DaemonProcess.StartAsync(temp.Path,
            [$"--Server:TlsCertificatePath={certificatePath}", $"--Server:TlsKeyPath={keyPath}"], tlsHandler: handler);

        using (var health = await daemon.Client.GetAsync("/health"))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.StartsWith("max-age=", health.Headers.GetValues("Strict-Transport-Security").Single());
        }
        using (var write = await daemon.PostMsgPackAsync(MsgPack.Hex(Wire.ColumnarMsgPackDecoderTests.Tv1), "tls"))
            Assert.Equal(HttpStatusCode.NoContent, write.StatusCode);

        // Plain HTTP to the TLS port gets no answer it could mistake for success.
        using var plain = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await Assert.ThrowsAnyAsync<Exception>(() => plain.GetAsync($"http://127.0.0.1:{daemon.Port}/health"));
        Assert.Equal(0, await daemon.StopAsync());
    }
}
