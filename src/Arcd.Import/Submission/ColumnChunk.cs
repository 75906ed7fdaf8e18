using System.Buffers;
using MessagePack;

namespace Arcd.Import.Submission;

/// <summary>
/// Rows read one at a time, kept column by column as encoded MessagePack values, until there are
/// enough for one tagged-columnar body. Reused for the whole import: memory is one body.
/// </summary>
public sealed class ColumnChunk
{
    private readonly string[] _names;
    private readonly ArrayBufferWriter<byte> _body = new(1 << 20);

    /// <param name="names">The value columns, in body order (the time column is separate).</param>
    public ColumnChunk(string[] names)
    {
        _names = names;
        Values = names.Select(_ => new ArrayBufferWriter<byte>(64 * 1024)).ToArray();
    }

    public ArrayBufferWriter<byte> Times { get; } = new(64 * 1024);

    /// <summary>One buffer per value column, in the order of the names given.</summary>
    public ArrayBufferWriter<byte>[] Values { get; }

    public int Rows { get; private set; }

    public void AddTime(long micros)
    {
        var writer = new MessagePackWriter(Times);
        writer.Write(micros);
        writer.Flush();
        Rows++;
    }

    /// <summary>The body for the rows so far; the chunk is empty again afterwards.</summary>
    public ReadOnlySpan<byte> Take(IReadOnlyList<string> tags, string measurement)
    {
        _body.ResetWrittenCount();
        var writer = new MessagePackWriter(_body);
        TaggedBody.WriteStart(ref writer, tags, measurement, _names.Length, Rows);
        writer.WriteRaw(Times.WrittenSpan);
        for (var c = 0; c < _names.Length; c++)
        {
            writer.Write(_names[c]);
            writer.WriteArrayHeader(Rows);
            writer.WriteRaw(Values[c].WrittenSpan);
            Values[c].ResetWrittenCount();
        }
        writer.Flush();
        Times.ResetWrittenCount();
        Rows = 0;
        return _body.WrittenSpan;
    }
}
