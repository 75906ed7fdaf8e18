using System.Text;
using Arcd.Auth;
using Arcd.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace Arcd.Tests.Auth;

public class TokenTests
{
    [Fact]
    public void New_tokens_are_44_base64url_characters_from_32_random_bytes()
    {
        var token = TokenHasher.NewToken();
        Assert.Equal(44, token.Length);
        Assert.Matches("^[A-Za-z0-9_-]{43}=$", token);
        Assert.NotEqual(token, TokenHasher.NewToken());
    }

    [Fact]
    public void Pbkdf2_hashes_use_arcs_format_and_verify_only_the_right_token()
    {
        var hash = TokenHasher.Hash("secret-token", iterations: 1000);
        Assert.Matches(@"^\$pbkdf2-sha256\$1000\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$", hash);
        Assert.True(TokenHasher.Verify("secret-token", hash));
        Assert.False(TokenHasher.Verify("secret-tokem", hash));
        Assert.False(TokenHasher.Verify("secret-token", hash.Replace("$1000$", "$1001$", StringComparison.Ordinal)));
        Assert.False(TokenHasher.Verify("secret-token", "$pbkdf2-sha256$99999999$AAAA$AAAA")); // iteration cap
        Assert.False(TokenHasher.Verify("secret-token", "$bcrypt$whatever"));
        Assert.Equal(TokenHasher.Iterations, 600_000);
    }

    [Fact]
    public void Legacy_hex_sha256_hashes_still_verify()
    {
        var legacy = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("py-era"u8));
        Assert.True(TokenHasher.Verify("py-era", legacy));
        Assert.False(TokenHasher.Verify("py-erb", legacy));
    }

    [Theory]
    [InlineData("Authorization", "Bearer T1", null, "T1")]
    [InlineData("Authorization", "bearer T1", null, "T1")]
    [InlineData("Authorization", "Token T2", null, "T2")]
    [InlineData("Authorization", "Basic dXNlcjpUMw==", null, "T3")] // user:T3 — the password is the token (Part A)
    [InlineData("Authorization", "T4", null, "T4")] // raw
    [InlineData("x-api-key", "T5", null, "T5")]
    [InlineData(null, null, "p=T6&u=anyone", "T6")]
    [InlineData(null, null, null, null)]
    public void Every_credential_form_is_found(string? header, string? value, string? query, string? expected)
    {
        var context = new DefaultHttpContext();
        if (header is not null) context.Request.Headers[header] = value;
        if (query is not null) context.Request.QueryString = new QueryString("?" + query);
        Assert.Equal(expected, Credentials.Extract(context.Request));
    }

    [Fact]
    public void Authorization_wins_over_api_key_and_query()
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.Authorization = "Bearer A";
        context.Request.Headers["x-api-key"] = "B";
        context.Request.QueryString = new QueryString("?p=C");
        Assert.Equal("A", Credentials.Extract(context.Request));
    }

    [Theory]
    [InlineData(Permission.Admin, Permission.Write, true)]
    [InlineData(Permission.Admin, Permission.Delete, true)]
    [InlineData(Permission.Read, Permission.Write, false)]
    [InlineData(Permission.Read | Permission.Write, Permission.Write, true)]
    [InlineData(Permission.Write, Permission.Admin, false)]
    [InlineData(Permission.None, Permission.None, true)]
    public void Admin_implies_everything_and_others_only_themselves(Permission granted, Permission required, bool allowed)
    {
        Assert.Equal(allowed, Permissions.Allows(granted, required));
    }

    [Fact]
    public void The_store_is_owner_only_and_keeps_hashes_never_tokens()
    {
        using var temp = new TempDirectory();
        var store = new TokenStore(Path.Combine(temp.Path, "auth", "tokens.json"));
        var (record, token) = store.Create("ci", Permission.Write, TimeSpan.FromDays(1), "pipeline");
        Assert.Equal(1, record.Id);
        var text = File.ReadAllText(store.Path);
        Assert.DoesNotContain(token, text, StringComparison.Ordinal);
        Assert.Contains("$pbkdf2-sha256$600000$", text, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store.Path));
        Assert.Throws<TokenStoreException>(() => store.Create("ci", Permission.Read, null, ""));
        var loaded = Assert.Single(store.Load());
        Assert.Equal((record.Id, record.Name, record.Permissions, record.Prefix), (loaded.Id, loaded.Name, loaded.Permissions, loaded.Prefix));
    }

    [Fact]
    public void Concurrent_writers_to_the_store_lose_nothing()
    {
        using var temp = new TempDirectory();
        var path = Path.Combine(temp.Path, "tokens.json");
        // Separate store objects, as the CLI and the daemon are separate processes sharing the file.
        Parallel.For(0, 8, i => new TokenStore(path).Create($"t{i}", Permission.Read, null, "", presetToken: $"preset-token-{i}-0123456789abcdef0123456789"));
        var records = new TokenStore(path).Load();
        Assert.Equal(8, records.Count);
        Assert.Equal(8, records.Select(r => r.Id).Distinct().Count());
    }

    [Fact]
    public void Verifier_honours_expiry_revocation_within_the_ttl_and_invalidation_at_once()
    {
        using var temp = new TempDirectory();
        var path = Path.Combine(temp.Path, "tokens.json");
        var daemonStore = new TokenStore(path);
        var (record, token) = daemonStore.Create("a", Permission.Write, null, "");
        // Each hash is 600k PBKDF2 rounds (up to a second on a slow machine): the short-lived token gets room for that.
        var (_, shortLived) = daemonStore.Create("b", Permission.Write, TimeSpan.FromSeconds(3), "");
        var created = System.Diagnostics.Stopwatch.StartNew();
        var verifier = new TokenVerifier(daemonStore, TimeSpan.FromMinutes(5), 100);
        Assert.NotNull(verifier.Verify(shortLived));
        Assert.Equal(record.Id, verifier.Verify(token)?.Id);
        Assert.Null(verifier.Verify("not-a-token"));

        // Revoked by another process (the CLI): the file changed, so the cached result no longer counts.
        new TokenStore(path).Change(record.Id, r => r with { Enabled = false });
        Assert.Null(verifier.Verify(token));
        if (created.Elapsed < TimeSpan.FromSeconds(3.2)) Thread.Sleep(TimeSpan.FromSeconds(3.2) - created.Elapsed);
        Assert.Null(verifier.Verify(shortLived)); // expired meanwhile, even though its result was cached

        // A token refused before it existed is accepted once it is created (no stale negative result).
        var early = "created-later-token-0123456789abcdefghijklmno";
        Assert.Null(verifier.Verify(early));
        daemonStore.Create("late", Permission.Write, null, "", presetToken: early);
        Assert.NotNull(verifier.Verify(early));

        var (_, again) = daemonStore.Create("c", Permission.Write, null, "");
        Assert.NotNull(verifier.Verify(again));
        var c = daemonStore.Find("c")!;
        daemonStore.Change(c.Id, r => r with { Enabled = false });
        verifier.Invalidate(); // the revoking process: immediate
        Assert.Null(verifier.Verify(again));
    }

    [Fact]
    public void Rotation_replaces_the_secret_and_keeps_the_identity()
    {
        using var temp = new TempDirectory();
        var store = new TokenStore(Path.Combine(temp.Path, "tokens.json"));
        var (record, old) = store.Create("svc", Permission.Read, null, "");
        var fresh = store.Rotate(record.Id);
        var verifier = new TokenVerifier(store, TimeSpan.Zero, 10);
        Assert.Null(verifier.Verify(old));
        Assert.Equal(record.Id, verifier.Verify(fresh)?.Id);
        Assert.Equal(44, Encoding.UTF8.GetByteCount(fresh));
    }
}
