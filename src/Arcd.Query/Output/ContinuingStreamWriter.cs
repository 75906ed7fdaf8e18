using Apache.Arrow;
using Apache.Arrow.Ipc;

namespace Arcd.Query.Output;

/// <summary>
/// An Arrow IPC stream writer that carries on a stream another writer started: the schema is
/// already out, so its first batch sends only its dictionaries (replacements, same ids) and the
/// batch. Apache.Arrow's writer sends each dictionary once, so a grown dictionary needs this.
/// </summary>
public sealed class ContinuingStreamWriter : ArrowStreamWriter
{
    public ContinuingStreamWriter(Stream stream, Schema schema, IpcOptions options) : base(stream, schema, leaveOpen: true, options)
    {
        HasWrittenSchema = true;
    }
}
