namespace BertServerless.Shared.Contracts;

/// <summary>
/// In a poison queue: a message of <paramref name="Queue"/> that could not even be decoded (not Base64), kept with
/// why; <paramref name="Body"/> is its raw text, cut to fit a queue message.
/// </summary>
public sealed record MessageUndecodable(string Queue, string Reason, string Body);
