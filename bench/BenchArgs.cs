using System.Globalization;

namespace BertServerless.Bench;

/// <summary>"--name value" options for the benchmarks that take a few numbers and names.</summary>
public sealed class BenchArgs(string[] args)
{
    public string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();

    public string Text(string name, string fallback) => Value(name) ?? fallback;

    public int Number(string name, int fallback) => Value(name) is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : fallback;

    public string[] List(string name, string fallback) => Text(name, fallback).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
