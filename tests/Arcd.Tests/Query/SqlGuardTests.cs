using Arcd.Query.Sql;
using Arcd.Tests.Support;

namespace Arcd.Tests.Query;

public class SqlGuardTests
{
    private static string? Check(string sql) => SqlGuard.Check(new SqlText(sql));

    [Theory]
    [InlineData("SELECT * FROM cpu")]
    [InlineData("select host, avg(usage) from cpu group by host;")]
    [InlineData("WITH x AS (SELECT * FROM cpu) SELECT * FROM x")]
    [InlineData("FROM cpu LIMIT 3")]
    [InlineData("(SELECT 1) UNION ALL (SELECT 2)")]
    [InlineData("EXPLAIN SELECT * FROM cpu")]
    [InlineData("EXPLAIN ANALYZE SELECT * FROM cpu")]
    [InlineData("SELECT load, copy, \"update\" FROM cpu")] // column names that are also statement words
    [InlineData("SELECT 'DROP TABLE x; COPY y TO z' AS text")] // keywords inside a literal
    [InlineData("SELECT 1 -- ; DELETE FROM cpu")]
    [InlineData("SELECT 1 /* ; ATTACH 'x' */")]
    [InlineData("SELECT $$ ; DROP TABLE t $$")]
    public void Accepts_one_read_only_statement(string sql) => Assert.Null(Check(sql));

    [Theory]
    [InlineData("", "SQL query is required")]
    [InlineData("   ", "SQL query is required")]
    [InlineData("SELECT 1; SELECT 2", "Multiple SQL statements are not allowed")]
    [InlineData("SELECT 1;;  SELECT 2", "Multiple SQL statements are not allowed")]
    [InlineData("SET threads = 1", "Dangerous SQL operation not allowed: SET")]
    [InlineData("RESET threads", "Dangerous SQL operation not allowed: RESET")]
    [InlineData("INSTALL httpfs", "Dangerous SQL operation not allowed: INSTALL")]
    [InlineData("LOAD httpfs", "Dangerous SQL operation not allowed: LOAD")]
    [InlineData("ATTACH '/tmp/x.db'", "Dangerous SQL operation not allowed: ATTACH")]
    [InlineData("DETACH x", "Dangerous SQL operation not allowed: DETACH")]
    [InlineData("PRAGMA database_list", "Dangerous SQL operation not allowed: PRAGMA")]
    [InlineData("CALL pragma_version()", "Dangerous SQL operation not allowed: CALL")]
    [InlineData("COPY (SELECT 1) TO '/tmp/x.csv'", "Dangerous SQL operation not allowed: COPY")]
    [InlineData("DROP TABLE cpu", "Dangerous SQL operation not allowed: DROP")]
    [InlineData("INSERT INTO cpu VALUES (1)", "Dangerous SQL operation not allowed: INSERT INTO")]
    [InlineData("WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x", "Dangerous SQL operation not allowed: INSERT INTO")]
    [InlineData("SELECT 1 FROM (COPY cpu TO 'x')", "Dangerous SQL operation not allowed: COPY CPU TO")]
    [InlineData("EXPLAIN COPY (SELECT 1) TO 'x'", "Dangerous SQL operation not allowed: COPY (")]
    [InlineData("CREATE TABLE t AS SELECT 1", "Dangerous SQL operation not allowed: CREATE TABLE")]
    [InlineData("SELECT * FROM read_csv('/etc/passwd')", "Function read_csv() is not allowed")]
    [InlineData("SELECT * FROM READ_PARQUET ('/x/*.parquet')", "Function READ_PARQUET() is not allowed")]
    [InlineData("SELECT * FROM glob('/etc/*')", "Function glob() is not allowed")]
    [InlineData("SELECT * FROM query('SELECT 1')", "Function query() is not allowed")]
    [InlineData("SELECT 'unterminated", "unterminated")]
    [InlineData("SELECT \"unterminated", "unterminated")]
    [InlineData("SELECT 1 /* unterminated", "unterminated")]
    public void Refuses_with_a_clear_message(string sql, string message)
    {
        var problem = Check(sql);
        Assert.NotNull(problem);
        Assert.Contains(message, problem);
    }

    [Fact]
    public void Refuses_statements_over_ten_thousand_characters()
    {
        var sql = "SELECT 1" + new string(' ', SqlGuard.MaxLength);
        Assert.Equal("SQL query exceeds maximum length (10000 characters)", Check(sql));
    }

    [Fact]
    public void Masking_keeps_offsets_and_blanks_literals_and_comments()
    {
        var text = new SqlText("SELECT 'a;b' , \"x y\" -- c\nFROM t /* d */");
        Assert.Equal(text.Original.Length, text.Masked.Length);
        Assert.DoesNotContain(";", text.Masked);
        Assert.Contains("\"x y\"", text.Masked);
        Assert.DoesNotContain("x y", text.KeywordView);
        Assert.DoesNotContain("d", text.Masked[^8..]);
    }

    [Fact]
    public void Random_input_never_throws()
    {
        var random = new Random(1234);
        const string alphabet = "SELECT FROM WHERE time ;'\"-/*$()., cpu db a0_";
        var cases = Math.Min(FuzzSupport.Cases, 20_000);
        for (var i = 0; i < cases; i++)
        {
            var chars = new char[random.Next(0, 80)];
            for (var j = 0; j < chars.Length; j++) chars[j] = alphabet[random.Next(alphabet.Length)];
            var sql = new string(chars);
            var text = new SqlText(sql);
            Assert.Equal(sql.Length, text.Masked.Length);
            SqlGuard.Check(text);
            TableReferences.Find(text.Masked);
            TimeBounds.Find(text, DateTimeOffset.UnixEpoch);
        }
    }
}
