using Amazon;
using Amazon.Runtime;
using Amazon.S3;

namespace Arcd.Ingest.Storage;

/// <summary>The AWSSDK client for <see cref="S3StorageOptions"/>, with the settings S3-compatible servers need.</summary>
public static class S3ClientFactory
{
    public static AmazonS3Client Create(S3StorageOptions options)
    {
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.EffectiveForcePathStyle,
            AuthenticationRegion = options.Region,
            // The SDK's default trailing CRC32 checksums (STREAMING-...-PAYLOAD-TRAILER) are refused by
            // Ceph RGW Pacific with 400 XAmzContentSHA256Mismatch; AWS and MinIO accept either.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            Timeout = options.RequestTimeout,
        };
        if (options.Endpoint.Length > 0) config.ServiceURL = options.Endpoint;
        else config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);

        // Both empty: the standard chain (AWS_* environment, profile, container/instance role, web identity),
        // which refreshes expiring credentials by itself.
        return options.AccessKey.Length > 0 || options.SecretKey.Length > 0
            ? new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), config)
            : new AmazonS3Client(config);
    }
}
