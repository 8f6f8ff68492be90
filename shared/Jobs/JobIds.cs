using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Azure;

namespace BertServerless.Shared.Jobs;

/// <summary>
/// A job id is derived from the upload, never drawn at random: <c>{slug-of-name}-{12 hex of sha256(name + etag)}</c>.
/// The same upload delivered twice gives the same id, so the second delivery finds the job and stops; a new upload
/// of the same name has a new ETag and so a new job.
/// </summary>
public static partial class JobIds
{
    private const int MaxSlugChars = 40;

    public static string For(string blobName, ETag etag)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(blobName + "\n" + etag));
        return $"{Slug(blobName)}-{Convert.ToHexStringLower(hash)[..12]}";
    }

    /// <summary>True for ids <see cref="For"/> can make; anything else (slashes, dots, upper case) is refused before it reaches a blob path.</summary>
    public static bool IsValid(string? jobId) => jobId is not null && ValidId().IsMatch(jobId);

    private static string Slug(string blobName)
    {
        var name = Path.GetFileNameWithoutExtension(blobName.Replace('\\', '/').Split('/')[^1]).ToLowerInvariant();
        var slug = NotSlug().Replace(name, "-").Trim('-');
        if (slug.Length > MaxSlugChars) slug = slug[..MaxSlugChars].TrimEnd('-');
        return slug.Length == 0 ? "book" : slug;
    }

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NotSlug();

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,39})-[0-9a-f]{12}$")]
    private static partial Regex ValidId();
}
