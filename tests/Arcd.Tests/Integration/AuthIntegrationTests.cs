using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Arcd.Tests.Support;

namespace Arcd.Tests.Integration;

/// <summary>Authentication against the running daemon: every credential form, every tier, the CLI beside it.</summary>
public class AuthIntegrationTests
{
    private const string AdminToken = "bootstrap-admin-token-0123456789abcdefghijklmnop";

    // The preset admin token is stored before the socket is bound (see the start-race test below).
    internal static Task<DaemonProcess> StartAsync(TempDirectory temp, params string[] extra) =>
        DaemonProcess.StartAsync(temp.Path, ["--Auth:Enabled=true", "--Server:Host=127.0.0.1", .. extra],
            environment: new Dictionary<string, string> { ["ARCD_AUTH_BOOTSTRAP_TOKEN"] = AdminToken });

    /// <summary>Runs the CLI (same build as the daemon) on the same token file.</summary>
    private static (int ExitCode, string Stdout, string Stderr) Cli(TempDirectory temp, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = temp.Path };
        start.ArgumentList.Add(RepoPaths.DaemonDll);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.ArgumentList.Add($"--Auth:TokenFile={Path.Combine(temp.Path, "data", "auth", "tokens.json")}");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result.Trim(), stderr.Result);
    }

    private static string CreateToken(TempDirectory temp, string name, string permissions, string? expires = null)
    {
        var args = new List<string> { "token", "create", "--name", name, "--permissions", permissions };
        if (expires is not null) args.AddRange(["--expires", expires]);
        var (exitCode, stdout, stderr) = Cli(temp, [.. args]);
        Assert.True(exitCode == 0, stderr);
        return stdout;
    }

    private static HttpRequestMessage Write(string form, string? token)
    {
        var path = form == "query" ? $"/write?db=auth&p={Uri.EscapeDataString(token ?? "")}" : "/api/v1/write/line-protocol";
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent("authm v=1 1700000000000000000") };
        if (token is null) return request;
        switch (form)
        {
            case "bearer": request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token); break;
            case "token": request.Headers.Authorization = new AuthenticationHeaderValue("Token", token); break;
            case "raw": request.Headers.TryAddWithoutValidation("Authorization", token); break;
            case "basic": request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"influx-user:{token}"))); break;
            case "x-api-key": request.Headers.Add("x-api-key", token); break;
        }
        return request;
    }

    [Fact]
    public async Task Every_credential_form_against_every_permission_tier()
    {
        using var temp = new TempDirectory();
        await using var daemon = await StartAsync(temp);
        var tokens = new Dictionary<string, string>
        {
            ["read"] = CreateToken(temp, "reader", "read"),
            ["write"] = CreateToken(temp, "writer", "write"),
            ["admin"] = AdminToken,
        };
        foreach (var form in new[] { "bearer", "token", "raw", "basic", "x-api-key", "query" })
        {
            foreach (var (tier, token) in tokens)
            {
                using var write = await daemon.Client.SendAsync(Write(form, token));
                var expected = tier == "read" ? HttpStatusCode.Forbidden : HttpStatusCode.NoContent;
                Assert.True(write.StatusCode == expected, $"{form}/{tier}: {write.StatusCode} {await write.Content.ReadAsStringAsync()}");
                if (tier == "read")
                    Assert.Equal("{\"success\":false,\"error\":\"Permission denied: write required\"}", await write.Content.ReadAsStringAsync());

                var list = new HttpRequestMessage(HttpMethod.Get, "/api/v1/auth/tokens");
                list.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                using var listed = await daemon.Client.SendAsync(list);
                Assert.Equal(tier == "admin" ? HttpStatusCode.OK : HttpStatusCode.Forbidden, listed.StatusCode);
            }
            using var wrong = await daemon.Client.SendAsync(Write(form, "wrong-token"));
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            Assert.Equal("{\"success\":false,\"error\":\"Invalid or expired token\"}", await wrong.Content.ReadAsStringAsync());
        }

        using (var none = await daemon.Client.SendAsync(Write("bearer", null)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
            Assert.Equal("{\"success\":false,\"error\":\"Authentication required\"}", await none.Content.ReadAsStringAsync());
        }
        // TV15: Basic with a password that is no token.
        var basic = new HttpRequestMessage(HttpMethod.Post, "/api/v1/write/line-protocol") { Content = new StringContent("m v=1") };
        basic.Headers.TryAddWithoutValidation("Authorization", "Basic dTpw");
        using (var refused = await daemon.Client.SendAsync(basic)) Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        // Public paths need nothing; anything else does, even a path that does not exist.
        foreach (var open in new[] { "/health", "/ready", "/metrics" })
            using (var response = await daemon.Client.GetAsync(open)) Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using (var probe = await daemon.Client.GetAsync("/no/such/path")) Assert.Equal(HttpStatusCode.Unauthorized, probe.StatusCode);
    }

    [Fact]
    public async Task Continuous_queries_need_admin_even_to_read_as_in_arc()
    {
        using var temp = new TempDirectory();
        await using var daemon = await StartAsync(temp);
        foreach (var (token, expected) in new[] { (CreateToken(temp, "reader", "read"), HttpStatusCode.Forbidden), (CreateToken(temp, "writer", "write"), HttpStatusCode.Forbidden), (AdminToken, HttpStatusCode.OK) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/continuous_queries");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await daemon.Client.SendAsync(request);
            Assert.Equal(expected, response.StatusCode);
            if (expected == HttpStatusCode.Forbidden)
                Assert.Equal("{\"success\":false,\"error\":\"Permission denied: admin required\"}", await response.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task Queries_and_listings_need_read_permission()
    {
        using var temp = new TempDirectory();
        await using var daemon = await StartAsync(temp);
        var reader = CreateToken(temp, "reader", "read");
        var writer = CreateToken(temp, "writer", "write");
        foreach (var (token, expected) in new[] { (reader, HttpStatusCode.OK), (AdminToken, HttpStatusCode.OK), (writer, HttpStatusCode.Forbidden) })
        {
            var query = new HttpRequestMessage(HttpMethod.Post, "/api/v1/query") { Content = new StringContent("""{"sql":"SELECT 1 AS one"}""", Encoding.UTF8, "application/json") };
            query.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var answered = await daemon.Client.SendAsync(query);
            Assert.Equal(expected, answered.StatusCode);
            if (expected == HttpStatusCode.Forbidden)
                Assert.Equal("{\"success\":false,\"error\":\"Permission denied: read required\"}", await answered.Content.ReadAsStringAsync());
            var list = new HttpRequestMessage(HttpMethod.Get, "/api/v1/databases");
            list.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var listed = await daemon.Client.SendAsync(list);
            Assert.Equal(expected, listed.StatusCode);
        }
        using var anonymous = await daemon.Client.PostAsync("/api/v1/query", new StringContent("""{"sql":"SELECT 1"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task Verify_endpoint_expired_tokens_and_revocation_by_cli_and_api()
    {
        using var temp = new TempDirectory();
        await using var daemon = await StartAsync(temp, "--Auth:CacheTtl=00:00:01");
        var expiring = CreateToken(temp, "short", "write", "1s");
        var writer = CreateToken(temp, "writer", "write");

        var verify = new HttpRequestMessage(HttpMethod.Get, "/api/v1/auth/verify");
        verify.Headers.Authorization = new AuthenticationHeaderValue("Bearer", writer);
        using (var verified = await daemon.Client.SendAsync(verify))
        {
            Assert.Equal(HttpStatusCode.OK, verified.StatusCode);
            var json = JsonDocument.Parse(await verified.Content.ReadAsStringAsync()).RootElement;
            Assert.True(json.GetProperty("valid").GetBoolean());
            Assert.Equal("writer", json.GetProperty("token_info").GetProperty("name").GetString());
            Assert.Equal(["write"], json.GetProperty("permissions").EnumerateArray().Select(p => p.GetString()));
        }
        using (var anonymous = await daemon.Client.GetAsync("/api/v1/auth/verify"))
            Assert.Equal("{\"valid\":false,\"error\":\"No token provided\"}", await anonymous.Content.ReadAsStringAsync());

        await Task.Delay(1500);
        using (var expired = await daemon.Client.SendAsync(Write("bearer", expiring))) Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);

        // The CLI revokes while the daemon runs: effective from the next request (the token file changed).
        using (var before = await daemon.Client.SendAsync(Write("bearer", writer))) Assert.Equal(HttpStatusCode.NoContent, before.StatusCode);
        var (exitCode, _, stderr) = Cli(temp, "token", "revoke", "writer");
        Assert.True(exitCode == 0, stderr);
        await Task.Delay(1500);
        using (var after = await daemon.Client.SendAsync(Write("bearer", writer))) Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);

        // Through the API: immediate in the daemon that revoked.
        var second = CreateToken(temp, "second", "write");
        using (var works = await daemon.Client.SendAsync(Write("bearer", second))) Assert.Equal(HttpStatusCode.NoContent, works.StatusCode);
        var listRequest = new HttpRequestMessage(HttpMethod.Get, "/api/v1/auth/tokens");
        listRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        using var list = await daemon.Client.SendAsync(listRequest);
        var secondId = JsonDocument.Parse(await list.Content.ReadAsStringAsync()).RootElement.GetProperty("tokens").EnumerateArray()
            .Single(t => t.GetProperty("name").GetString() == "second").GetProperty("id").GetInt64();
        var revoke = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/auth/tokens/{secondId}/revoke");
        revoke.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        using (var revoked = await daemon.Client.SendAsync(revoke)) Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        using (var now = await daemon.Client.SendAsync(Write("bearer", second))) Assert.Equal(HttpStatusCode.Unauthorized, now.StatusCode);

        var listed = Cli(temp, "token", "list").Stdout;
        Assert.Contains("writer", listed);
        Assert.Contains("revoked", listed);
        Assert.DoesNotContain(writer, listed);
    }

    [Fact]
    public async Task Token_api_creates_rotates_and_deletes()
    {
        using var temp = new TempDirectory();
        await using var daemon = await StartAsync(temp);
        async Task<(HttpStatusCode, JsonElement)> Admin(HttpMethod method, string path, string? body = null)
        {
            var request = new HttpRequestMessage(method, path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
            if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await daemon.Client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
        }

        var (created, json) = await Admin(HttpMethod.Post, "/api/v1/auth/tokens", """{"name":"grafana","permissions":["read"],"expires_in":"7d"}""");
        Assert.Equal(HttpStatusCode.Created, created);
        var token = json.GetProperty("token").GetString()!;
        var id = json.GetProperty("id").GetInt64();
        Assert.Equal(44, token.Length);

        var (bad, error) = await Admin(HttpMethod.Post, "/api/v1/auth/tokens", """{"name":"x","permissions":["sudo"]}""");
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.Contains("sudo", error.GetProperty("error").GetString());

        var (rotated, rotation) = await Admin(HttpMethod.Post, $"/api/v1/auth/tokens/{id}/rotate");
        Assert.Equal(HttpStatusCode.OK, rotated);
        var fresh = rotation.GetProperty("new_token").GetString()!;
        var verify = new HttpRequestMessage(HttpMethod.Get, "/api/v1/auth/verify");
        verify.Headers.Add("x-api-key", token);
        using (var old = await daemon.Client.SendAsync(verify)) Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);

        var (patched, patch) = await Admin(HttpMethod.Patch, $"/api/v1/auth/tokens/{id}", """{"permissions":["read","write"]}""");
        Assert.Equal(HttpStatusCode.OK, patched);
        Assert.Equal(["read", "write"], patch.GetProperty("token").GetProperty("permissions").EnumerateArray().Select(p => p.GetString()));
        using (var write = await daemon.Client.SendAsync(Write("bearer", fresh))) Assert.Equal(HttpStatusCode.NoContent, write.StatusCode);

        var (statsCode, stats) = await Admin(HttpMethod.Get, "/api/v1/auth/cache");
        Assert.Equal(HttpStatusCode.OK, statsCode);
        Assert.True(stats.GetProperty("entries").GetInt32() >= 1);
        Assert.Equal(HttpStatusCode.OK, (await Admin(HttpMethod.Post, "/api/v1/auth/cache/invalidate")).Item1);
        var cacheForWriter = new HttpRequestMessage(HttpMethod.Get, "/api/v1/auth/cache");
        cacheForWriter.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fresh);
        using (var forbidden = await daemon.Client.SendAsync(cacheForWriter)) Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await Admin(HttpMethod.Delete, $"/api/v1/auth/tokens/{id}")).Item1);
        Assert.Equal(HttpStatusCode.NotFound, (await Admin(HttpMethod.Get, $"/api/v1/auth/tokens/{id}")).Item1);
    }

    [Fact]
    public async Task First_start_prints_an_admin_token_once_that_works()
    {
        using var temp = new TempDirectory();
        await using var daemon = await DaemonProcess.StartAsync(temp.Path, ["--Auth:Enabled=true", "--Server:Host=127.0.0.1"]);
        var deadline = DateTime.UtcNow.AddSeconds(30); // the token is made just after the socket is bound
        while (!daemon.Output.Contains("arcd created an admin token", StringComparison.Ordinal) && DateTime.UtcNow < deadline) await Task.Delay(50);
        await Task.Delay(200);
        var match = System.Text.RegularExpressions.Regex.Match(daemon.Output, @"^\s+([A-Za-z0-9_-]{43}=)\s*$", System.Text.RegularExpressions.RegexOptions.Multiline);
        Assert.True(match.Success, daemon.Output);
        var token = match.Groups[1].Value;
        using (var write = await daemon.Client.SendAsync(Write("bearer", token))) Assert.Equal(HttpStatusCode.NoContent, write.StatusCode);
        Assert.Equal(0, await daemon.StopAsync());
        Assert.Equal(1, daemon.Output.Split(token).Length - 1); // printed once, never logged again

        await using var again = await DaemonProcess.StartAsync(temp.Path, ["--Auth:Enabled=true", "--Server:Host=127.0.0.1"]);
        Assert.DoesNotContain("created an admin token", again.Output);
    }

    [Theory]
    [InlineData("environment")]
    [InlineData("file")]
    public async Task A_preset_admin_token_works_the_instant_health_and_ready_first_say_200(string source)
    {
        using var temp = new TempDirectory();
        var environment = new Dictionary<string, string>();
        if (source == "environment") environment["ARCD_AUTH_BOOTSTRAP_TOKEN"] = AdminToken;
        else
        {
            var file = Path.Combine(temp.Path, "admin-token");
            File.WriteAllText(file, AdminToken + "\n");
            environment["ARCD_AUTH_BOOTSTRAP_TOKEN_FILE"] = file;
        }
        await using var daemon = await DaemonProcess.StartAsync(temp.Path, ["--Auth:Enabled=true", "--Server:Host=127.0.0.1"],
            environment: environment, waitHealthy: false);

        async Task<HttpStatusCode> FirstSuccessThen(string probe, Func<HttpRequestMessage> next)
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline)
            {
                try
                {
                    using var answer = await daemon.Client.GetAsync(probe);
                    if (answer.StatusCode == HttpStatusCode.OK)
                    {
                        using var response = await daemon.Client.SendAsync(next());
                        return response.StatusCode;
                    }
                }
                catch (HttpRequestException)
                {
                    // not listening yet
                }
                await Task.Delay(2);
            }
            throw new TimeoutException($"{probe} never said 200:\n{daemon.Output}");
        }

        HttpRequestMessage Verify()
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/auth/verify");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
            return request;
        }
        Assert.Equal(HttpStatusCode.OK, await FirstSuccessThen("/health", Verify));
        Assert.Equal(HttpStatusCode.NoContent, await FirstSuccessThen("/ready", () => Write("bearer", AdminToken)));
    }

    [Fact]
    public async Task Auth_responses_have_the_shapes_arc_tsdb_clients_models_require()
    {
        using var temp = new TempDirectory();
        await using var daemon = await StartAsync(temp);
        async Task<JsonElement> Admin(HttpMethod method, string path, string? body = null)
        {
            var request = new HttpRequestMessage(method, path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
            if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await daemon.Client.SendAsync(request);
            Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode}");
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        }

        // models/auth.py TokenInfo: id int, name str, description str?, permissions list[str] (null or a
        // string rejected), created_at/last_used_at/expires_at datetime?, enabled bool.
        static void AssertTokenInfo(JsonElement info)
        {
            Assert.Equal(JsonValueKind.Number, info.GetProperty("id").ValueKind);
            Assert.True(info.GetProperty("id").TryGetInt64(out _));
            Assert.Equal(JsonValueKind.String, info.GetProperty("name").ValueKind);
            if (info.TryGetProperty("description", out var description)) Assert.Equal(JsonValueKind.String, description.ValueKind);
            Assert.Equal(JsonValueKind.Array, info.GetProperty("permissions").ValueKind);
            Assert.All(info.GetProperty("permissions").EnumerateArray(), p => Assert.Equal(JsonValueKind.String, p.ValueKind));
            foreach (var field in new[] { "created_at", "last_used_at", "expires_at" })
            {
                if (!info.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null) continue;
                Assert.True(DateTimeOffset.TryParse(value.GetString(), System.Globalization.CultureInfo.InvariantCulture,
                    System.Globalization.DateTimeStyles.None, out _), $"{field}: {value}");
            }
            Assert.True(info.GetProperty("created_at").ValueKind == JsonValueKind.String);
            Assert.True(info.GetProperty("enabled").ValueKind is JsonValueKind.True or JsonValueKind.False);
            Assert.True(info.TryGetProperty("expires_at", out _), "expires_at is always present, as Arc sends it");
        }

        var created = await Admin(HttpMethod.Post, "/api/v1/auth/tokens", """{"name":"grafana","description":"dashboards","permissions":["read"],"expires_in":"7d"}""");
        Assert.True(created.GetProperty("success").GetBoolean());
        var secret = created.GetProperty("token").GetString()!;
        var id = created.GetProperty("id").GetInt64();

        var verify = new HttpRequestMessage(HttpMethod.Get, "/api/v1/auth/verify");
        verify.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        using (var verified = await daemon.Client.SendAsync(verify))
        {
            var json = JsonDocument.Parse(await verified.Content.ReadAsStringAsync()).RootElement;
            Assert.True(json.GetProperty("valid").GetBoolean());
            AssertTokenInfo(json.GetProperty("token_info"));
            Assert.Equal(["read"], json.GetProperty("token_info").GetProperty("permissions").EnumerateArray().Select(p => p.GetString()));
            Assert.Equal(["read"], json.GetProperty("permissions").EnumerateArray().Select(p => p.GetString()));
            Assert.Equal("dashboards", json.GetProperty("token_info").GetProperty("description").GetString());
        }

        var list = await Admin(HttpMethod.Get, "/api/v1/auth/tokens");
        Assert.True(list.GetProperty("success").GetBoolean());
        Assert.Equal(2, list.GetProperty("count").GetInt32());
        Assert.Equal(2, list.GetProperty("tokens").GetArrayLength());
        foreach (var token in list.GetProperty("tokens").EnumerateArray()) AssertTokenInfo(token);
        var admin = list.GetProperty("tokens").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "admin");
        Assert.Equal(["read", "write", "delete", "admin"], admin.GetProperty("permissions").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(JsonValueKind.Null, admin.GetProperty("expires_at").ValueKind);

        var single = await Admin(HttpMethod.Get, $"/api/v1/auth/tokens/{id}");
        AssertTokenInfo(single.GetProperty("token")); // get_token reads data["token"]

        var updated = await Admin(HttpMethod.Patch, $"/api/v1/auth/tokens/{id}", """{"permissions":[]}""");
        Assert.True(updated.GetProperty("success").GetBoolean());
        Assert.Equal(0, updated.GetProperty("token").GetProperty("permissions").GetArrayLength()); // [] never null

        var rotated = await Admin(HttpMethod.Post, $"/api/v1/auth/tokens/{id}/rotate"); // RotateTokenResponse
        Assert.True(rotated.GetProperty("success").GetBoolean());
        Assert.Equal(44, rotated.GetProperty("new_token").GetString()!.Length);

        foreach (var path in new[] { $"/api/v1/auth/tokens/{id}/revoke" })
            Assert.True((await Admin(HttpMethod.Post, path)).GetProperty("success").GetBoolean());
        Assert.True((await Admin(HttpMethod.Delete, $"/api/v1/auth/tokens/{id}")).GetProperty("success").GetBoolean());
    }
}
