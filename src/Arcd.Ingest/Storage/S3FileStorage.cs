using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Arcd.Ingest.Platform;

namespace Arcd.Ingest.Storage;

/// <summary>
/// An S3-compatible bucket (AWS, Ceph RGW, MinIO) under an optional key prefix, in Arc's layout.
/// A put spools its content to a local file, runs the commit hook, then uploads it whole with
/// <c>If-None-Match: *</c> (multipart at and above the threshold), so the object appears complete
/// under its final key or not at all, and an existing key is never overwritten. Reads download the
/// object to a local file that is deleted on close. Every S3 or network failure surfaces as an
/// <see cref="IOException"/> naming the operation and key, the same failure callers already retry
/// on local disk. Sync over async on purpose: the seam is called from dedicated flush and
/// maintenance threads, never from the HTTP edge (IFileStorage).
/// </summary>
public sealed class S3FileStorage : IFileStorage, IDisposable
{
    private const string SpoolPrefix = ".arc-s3-";
    private readonly IAmazonS3 _client;
    private readonly S3StorageOptions _options;
    private readonly string _keyPrefix;
    private readonly string _staging;

    /// <param name="stagingDirectory">Local directory for upload spools and downloaded reads; swept of leftovers here.</param>
    public S3FileStorage(S3StorageOptions options, string stagingDirectory)
    {
        _options = options;
        _client = S3ClientFactory.Create(options);
        var prefix = options.Prefix.Trim('/');
        _keyPrefix = prefix.Length == 0 ? "" : prefix + "/";
        _staging = Path.GetFullPath(stagingDirectory);
        Directory.CreateDirectory(_staging);
        foreach (var leftover in Directory.EnumerateFiles(_staging, SpoolPrefix + "*")) File.Delete(leftover);
    }

    public string Location => $"s3://{_options.Bucket}/{_keyPrefix}" + (_options.Endpoint.Length > 0 ? $" at {_options.Endpoint}" : "");
    public ReadEpochs Readers { get; } = new();

    /// <summary>Raised after this process created or deleted an object (its path), so cached listings can be dropped.</summary>
    public event Action<string>? Changed;

    /// <summary>Keys per listing request (S3's maximum, 1000, by default; tests page with less).</summary>
    internal int ListPageSize { get; set; } = 1000;

    /// <summary>Lists one key under the prefix: proves the endpoint, the credentials and the bucket. Throws <see cref="IOException"/> with the reason.</summary>
    public void CheckAccess()
    {
        try
        {
            Call("list", _keyPrefix, () => _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _options.Bucket, Prefix = _keyPrefix, MaxKeys = 1 }));
        }
        catch (IOException ex) when (ex.InnerException is AmazonServiceException { StatusCode: HttpStatusCode.Forbidden })
        {
            throw new IOException($"{ex.Message} (check Storage:S3:AccessKey and SecretKey, or the AWS credential chain, and the bucket's policy)", ex);
        }
    }

    /// <summary>
    /// A real list and a real read: lists one key under the prefix and reads its first byte. Throws
    /// <see cref="IOException"/> with the reason (what /ready reports).
    /// </summary>
    public void Probe()
    {
        var page = Call("list", _keyPrefix, () => _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _options.Bucket, Prefix = _keyPrefix, MaxKeys = 1 }));
        if (page.S3Objects is not { Count: > 0 } objects || objects[0].Size is null or 0) return;
        var key = objects[0].Key;
        try
        {
            using var response = Call("get", key, () => _client.GetObjectAsync(new GetObjectRequest { BucketName = _options.Bucket, Key = key, ByteRange = new ByteRange(0, 0) }));
            response.ResponseStream.ReadByte();
        }
        catch (S3KeyNotFoundException)
        {
            // Deleted between the list and the read (compaction, retention): the read path answered.
        }
    }

    public void Put(string path, Action<Stream> writeContent, Action? beforeCommit = null)
    {
        var key = KeyOf(path);
        var spool = SpoolPath();
        try
        {
            using (var stream = new FileStream(spool, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
                writeContent(stream);
            beforeCommit?.Invoke();
            CrashPoints.Hit("s3-before-put");
            var length = new FileInfo(spool).Length;
            if (length >= _options.MultipartThresholdBytes) UploadInParts(key, spool, length);
            else
                Call("put", key, () => _client.PutObjectAsync(new PutObjectRequest
                {
                    BucketName = _options.Bucket, Key = key, FilePath = spool, IfNoneMatch = "*",
                }));
            CrashPoints.Hit("s3-after-put");
            Changed?.Invoke(path);
        }
        catch (IOException ex) when (ex.InnerException is AmazonS3Exception { StatusCode: HttpStatusCode.PreconditionFailed })
        {
            throw AlreadyExists(key, ex);
        }
        finally
        {
            File.Delete(spool);
        }
    }

    private void UploadInParts(string key, string spool, long length)
    {
        var upload = Call("put", key, () => _client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = _options.Bucket, Key = key }));
        try
        {
            var parts = new List<PartETag>();
            var partSize = Math.Max(5L << 20, _options.PartSizeBytes);
            for (long offset = 0, number = 1; offset < length; offset += partSize, number++)
            {
                var request = new UploadPartRequest
                {
                    BucketName = _options.Bucket, Key = key, UploadId = upload.UploadId, PartNumber = (int)number,
                    FilePath = spool, FilePosition = offset, PartSize = Math.Min(partSize, length - offset),
                };
                var part = Call("put part", key, () => _client.UploadPartAsync(request));
                parts.Add(new PartETag((int)number, part.ETag));
            }
            // AWS refuses an existing key at completion (If-None-Match); Ceph RGW Pacific ignores that header
            // there, so the key is checked first too. The window between is closed by unique names (Node:Id).
            if (Exists(PathOf(key))) throw AlreadyExists(key, null);
            Call("put", key, () => _client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = _options.Bucket, Key = key, UploadId = upload.UploadId, PartETags = parts, IfNoneMatch = "*",
            }));
        }
        catch
        {
            try
            {
                Call("abort", key, () => _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _options.Bucket, Key = key, UploadId = upload.UploadId }));
            }
            catch (IOException)
            {
                // The bucket's lifecycle (or a later abort) reclaims the parts; nothing is visible.
            }
            throw;
        }
    }

    public bool Exists(string path)
    {
        var key = KeyOf(path);
        try
        {
            Call("head", key, () => _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _options.Bucket, Key = key }));
            return true;
        }
        catch (S3KeyNotFoundException)
        {
            return false;
        }
    }

    public IReadOnlyList<StoredFile> List(string directory, bool recursive = false)
    {
        var files = new List<StoredFile>();
        foreach (var page in Pages(directory, recursive ? null : "/"))
            foreach (var o in page.S3Objects ?? [])
            {
                if (o.Key.EndsWith('/')) continue; // a "folder" marker some tools create
                files.Add(new StoredFile(o.Key[_keyPrefix.Length..], o.Size ?? 0, (o.LastModified ?? DateTime.UnixEpoch).ToUniversalTime()));
            }
        files.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return files;
    }

    public IReadOnlyList<string> ListDirectories(string directory)
    {
        var names = new List<string>();
        foreach (var page in Pages(directory, "/"))
            foreach (var common in page.CommonPrefixes ?? [])
            {
                var name = common.TrimEnd('/');
                names.Add(name[(name.LastIndexOf('/') + 1)..]);
            }
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    private IEnumerable<ListObjectsV2Response> Pages(string directory, string? delimiter)
    {
        var prefix = directory.Trim('/').Length == 0 ? _keyPrefix : KeyOf(directory.Trim('/')) + "/";
        var request = new ListObjectsV2Request { BucketName = _options.Bucket, Prefix = prefix, Delimiter = delimiter, MaxKeys = ListPageSize };
        while (true)
        {
            var page = Call("list", prefix, () => _client.ListObjectsV2Async(request));
            yield return page;
            if (page.IsTruncated != true) yield break;
            request.ContinuationToken = page.NextContinuationToken;
        }
    }

    public Stream OpenRead(string path)
    {
        var key = KeyOf(path);
        var local = SpoolPath();
        var file = new FileStream(local, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
        try
        {
            using var response = Call("get", key, () => _client.GetObjectAsync(new GetObjectRequest { BucketName = _options.Bucket, Key = key }));
            try
            {
                response.ResponseStream.CopyTo(file);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException)
            {
                throw new IOException($"S3 get s3://{_options.Bucket}/{key}: the download broke off: {ex.Message}", ex);
            }
            file.Position = 0;
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public bool Delete(string path)
    {
        var existed = Exists(path);
        var key = KeyOf(path);
        Call("delete", key, () => _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _options.Bucket, Key = key }));
        Changed?.Invoke(path);
        return existed;
    }

    /// <summary>Prefixes are not objects: nothing to remove.</summary>
    public void RemoveEmptyDirectories(string directory, string stopAt)
    {
    }

    public void Replace(IReadOnlyList<string> inputs, string? output, Action<Stream>? writeContent) =>
        FileReplacement.Replace(this, inputs, output, writeContent);

    /// <summary>
    /// Every node may recover; a replacement under another node's unexpired partition lease is left to
    /// it. Called before this node takes any lease (at start, at the start of a compaction cycle), so
    /// leases in its name are from a process that died, and go first.
    /// </summary>
    public IReadOnlyList<ReplacementOutcome> RecoverReplacements()
    {
        if (NodeId.Length > 0) PartitionLease.ReleaseOwn(this, NodeId);
        return FileReplacement.Recover(this, m => !PartitionLease.HeldByOther(this, m.Partition, NodeId));
    }

    /// <summary>This node's name (Node:Id): the owner of the partition leases it takes.</summary>
    public string NodeId { get; init; } = "";

    public IReadOnlyList<ReplacementManifest> PendingReplacements() => FileReplacement.Pending(this);

    public void Dispose() => _client.Dispose();

    private IOException AlreadyExists(string key, Exception? inner) =>
        new($"S3 put s3://{_options.Bucket}/{key}: the key already exists; arcd never overwrites an object", inner);

    private string PathOf(string key) => key[_keyPrefix.Length..];

    private string SpoolPath() => Path.Combine(_staging, SpoolPrefix + Guid.NewGuid().ToString("N"));

    /// <summary>The key of a relative path; a path with empty, '.' or '..' segments is refused.</summary>
    private string KeyOf(string relative)
    {
        foreach (var segment in relative.Split('/'))
            if (segment is "" or "." or "..")
                throw new ArgumentException($"'{relative}' is not a relative storage path", nameof(relative));
        return _keyPrefix + relative;
    }

    private T Call<T>(string operation, string key, Func<Task<T>> request)
    {
        try
        {
            return request().GetAwaiter().GetResult();
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound && ex.ErrorCode is "NoSuchKey" or "NotFound" or null or "")
        {
            throw new S3KeyNotFoundException($"S3 {operation} s3://{_options.Bucket}/{key}: no such key", ex);
        }
        catch (AmazonServiceException ex)
        {
            var code = string.IsNullOrEmpty(ex.ErrorCode) ? "" : " " + ex.ErrorCode;
            var message = string.IsNullOrEmpty(ex.Message) ? "" : ": " + ex.Message;
            throw new IOException($"S3 {operation} s3://{_options.Bucket}/{key}: {(int)ex.StatusCode}{code}{message}", ex);
        }
        catch (Exception ex) when (ex is AmazonClientException or HttpRequestException or TaskCanceledException or TimeoutException)
        {
            throw new IOException($"S3 {operation} s3://{_options.Bucket}/{key} at {(_options.Endpoint.Length > 0 ? _options.Endpoint : "AWS")}: {ex.Message}", ex);
        }
    }
}

/// <summary>A key that does not exist; a <see cref="FileNotFoundException"/>, as on local disk.</summary>
public sealed class S3KeyNotFoundException(string message, Exception inner) : FileNotFoundException(message, inner);
