using Arcd.Ingest.Storage;
using Arcd.Tests.Support;

namespace Arcd.Tests.Storage;

/// <summary>
/// "Replace these files by this one" is exactly once through a crash at every step: each storage
/// operation is atomic, so a kill -9 is the process stopping after any number of them. Recovery
/// must then leave either all inputs and no output, or the output and no input — never both,
/// never neither — and no manifest.
/// </summary>
public class FileReplacementTests
{
    private static readonly string[] Inputs = ["db/m/2024/01/01/00/a.parquet", "db/m/2024/01/01/00/b.parquet", "db/m/2024/01/01/00/c.parquet"];
    private const string Output = "db/m/2024/01/01/00/m_compacted.parquet";

    [Fact]
    public void Replace_leaves_the_output_alone_and_no_manifest()
    {
        using var temp = new TempDirectory();
        var storage = Seed(temp.Path);
        storage.Replace(Inputs, Output, s => s.Write("merged"u8));
        Assert.Equal([Output], storage.List("db", recursive: true).Select(f => f.Path));
        Assert.Empty(storage.PendingReplacements());
        Assert.Empty(storage.List(FileReplacement.ManifestDirectory));
    }

    [Fact]
    public void Replace_by_nothing_deletes_the_inputs()
    {
        using var temp = new TempDirectory();
        var storage = Seed(temp.Path);
        storage.Replace(Inputs, null, null);
        Assert.Empty(storage.List("db", recursive: true));
        Assert.Empty(storage.PendingReplacements());
    }

    [Fact]
    public void The_output_may_not_be_an_input()
    {
        using var temp = new TempDirectory();
        var storage = Seed(temp.Path);
        Assert.Throws<ArgumentException>(() => storage.Replace(Inputs, Inputs[0], s => s.WriteByte(1)));
        Assert.Equal(Inputs, storage.List("db", recursive: true).Select(f => f.Path));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_crash_after_any_step_recovers_to_exactly_one_of_the_two_states(bool withOutput)
    {
        // Count the mutating steps of an uninterrupted replacement, then crash after each of them.
        int steps;
        using (var temp = new TempDirectory())
        {
            var counting = new CrashingStorage(Seed(temp.Path), crashAfter: int.MaxValue);
            counting.Replace(Inputs, withOutput ? Output : null, withOutput ? s => s.Write("merged"u8) : null);
            steps = counting.Steps;
        }
        Assert.Equal(withOutput ? 6 : 5, steps); // manifest put, (output rename), 3 deletes, manifest delete

        for (var crashAfter = 0; crashAfter < steps; crashAfter++)
        {
            using var temp = new TempDirectory();
            var crashing = new CrashingStorage(Seed(temp.Path), crashAfter);
            Assert.Throws<SimulatedCrash>(() => crashing.Replace(Inputs, withOutput ? Output : null, withOutput ? s => s.Write("merged"u8) : null));

            var restarted = new LocalFileStorage(temp.Path);
            var outcomes = restarted.RecoverReplacements();
            restarted.SweepTemporaryFiles("");
            var files = restarted.List("db", recursive: true).Select(f => f.Path).ToList();
            var rolledForward = withOutput ? files.SequenceEqual([Output]) : files.Count == 0;
            var rolledBack = files.SequenceEqual(Inputs);
            Assert.True(rolledForward ^ rolledBack, $"crash after step {crashAfter}: {string.Join(", ", files)}");
            Assert.Empty(restarted.PendingReplacements());
            Assert.Empty(Directory.GetFiles(temp.Path, "*.tmp", SearchOption.AllDirectories));
            if (crashAfter == 0) Assert.True(rolledBack, "nothing was committed yet");
            if (outcomes.Count == 1) Assert.Equal(rolledForward, outcomes[0].RolledForward);
            if (rolledForward && withOutput) Assert.Equal("merged"u8.ToArray(), File.ReadAllBytes(Path.Combine(temp.Path, Output)));

            // The next attempt finishes the job.
            if (rolledBack) restarted.Replace(Inputs, withOutput ? Output : null, withOutput ? s => s.Write("merged"u8) : null);
            Assert.Equal(withOutput ? [Output] : [], restarted.List("db", recursive: true).Select(f => f.Path));
        }
    }

    [Fact]
    public async Task Readers_never_see_inputs_and_output_together_and_inputs_outlive_the_readers_that_listed_them()
    {
        using var temp = new TempDirectory();
        var storage = Seed(temp.Path);
        var early = storage.Readers.BeginRead(); // may have planned a glob over the inputs
        var observations = new List<string>();
        // A thread of its own: on a 2-core CI machine the thread pool may be busy with other tests.
        var done = new TaskCompletionSource();
        var replacer = new Thread(() =>
        {
            try
            {
                storage.Replace(Inputs, Output, s => s.Write("merged"u8));
                done.SetResult();
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        });
        replacer.Start();
        var replaced = done.Task;

        // The output waits for the early reader; meanwhile later readers see the replacement pending and the inputs only.
        Assert.True(SpinWait.SpinUntil(() => storage.Readers.PendingUnder("db/m/").Count == 1, TimeSpan.FromSeconds(10)));
        using (var middle = storage.Readers.BeginRead())
        {
            Assert.False(storage.Exists(Output));
            Thread.Sleep(200);
            Assert.False(replaced.IsCompleted);
            early.Dispose();
            // The output appears, but the inputs stay while this reader (which listed them) runs.
            Assert.True(SpinWait.SpinUntil(() => storage.Exists(Output), TimeSpan.FromSeconds(10)));
            var late = storage.Readers.BeginRead();
            var pending = storage.Readers.PendingUnder("db/m/");
            Assert.Single(pending);
            Assert.All(Inputs, i => Assert.True(storage.Exists(i)));
            late.Dispose();
            Thread.Sleep(200);
            Assert.All(Inputs, i => Assert.True(storage.Exists(i)));
        }
        await replaced.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([Output], storage.List("db", recursive: true).Select(f => f.Path));
        Assert.Empty(storage.Readers.PendingUnder("db/"));
        Assert.Equal(0, storage.Readers.ActiveReaders);
    }

    private static LocalFileStorage Seed(string root)
    {
        var storage = new LocalFileStorage(root);
        foreach (var input in Inputs) storage.Put(input, s => s.Write(new byte[] { 1, 2, 3 }));
        return storage;
    }

    internal sealed class SimulatedCrash : Exception;

    /// <summary>Passes operations through to a real storage and "dies" after <c>crashAfter</c> mutations (puts committed, deletes).</summary>
    internal sealed class CrashingStorage(IFileStorage inner, int crashAfter) : IFileStorage
    {
        public int Steps { get; private set; }
        public string Location => inner.Location;
        public ReadEpochs Readers => inner.Readers;

        public void Put(string path, Action<Stream> writeContent, Action? beforeCommit = null)
        {
            // A crash inside beforeCommit (or at the rename) leaves the temp file, as kill -9 would: done by hand.
            inner.Put(path, writeContent, () =>
            {
                beforeCommit?.Invoke();
                Step();
            });
        }

        public bool Exists(string path) => inner.Exists(path);
        public IReadOnlyList<StoredFile> List(string directory, bool recursive = false) => inner.List(directory, recursive);
        public IReadOnlyList<string> ListDirectories(string directory) => inner.ListDirectories(directory);
        public Stream OpenRead(string path) => inner.OpenRead(path);

        public void RemoveEmptyDirectories(string directory, string stopAt) => inner.RemoveEmptyDirectories(directory, stopAt);

        public bool Delete(string path)
        {
            Step();
            return inner.Delete(path);
        }

        public void Replace(IReadOnlyList<string> inputs, string? output, Action<Stream>? writeContent) =>
            FileReplacement.Replace(this, inputs, output, writeContent);

        public IReadOnlyList<ReplacementOutcome> RecoverReplacements() => FileReplacement.Recover(this);
        public IReadOnlyList<ReplacementManifest> PendingReplacements() => FileReplacement.Pending(this);

        private void Step()
        {
            if (Steps == crashAfter) throw new SimulatedCrash();
            Steps++;
        }
    }
}
