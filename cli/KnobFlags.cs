using System.CommandLine;
using System.Reflection;
using BertServerless.Shared;
using BertServerless.Shared.Jobs;

namespace BertServerless.Cli;

/// <summary>
/// A flag for every knob of an options class, named by the <see cref="Knobs"/> rule (<c>max_len</c> is
/// <c>--max-len</c>), and optionally <c>--set key=value</c>. Both go through <see cref="Knobs"/>, so a flag, a
/// <c>--set</c> pair, a blob-metadata key and a name copied from status.json are one setting with one parser.
/// </summary>
public sealed class KnobFlags<T> where T : class, new()
{
    private readonly List<(PropertyInfo Property, Option<string?> Option)> _valued = [];
    private readonly List<(PropertyInfo Property, Option<bool> Option)> _switches = [];
    private readonly Option<string[]>? _set;

    /// <param name="aliases">Older or shorter flags kept working, by knob name: <c>["learning_rate"] = ["--lr"]</c>.</param>
    public KnobFlags(IReadOnlyDictionary<string, string[]>? aliases = null, bool withSet = false)
    {
        var defaults = new T();
        foreach (var property in Knobs.Of(typeof(T)))
        {
            var name = Knobs.Name(property);
            var extra = aliases?.GetValueOrDefault(name) ?? [];
            var fallback = property.GetValue(defaults);
            var description = fallback is null ? $"{name} (default: unset)" : $"{name} (default: {Knobs.Format(fallback)})";
            if (property.PropertyType == typeof(bool)) _switches.Add((property, new Option<bool>(Knobs.Flag(property), extra) { Description = description }));
            else _valued.Add((property, new Option<string?>(Knobs.Flag(property), extra) { Description = description }));
        }
        if (withSet)
            _set = new Option<string[]>("--set", "-s")
            {
                Description = "Any of these knobs as key=value, repeatable, by its status.json name (max_len=128)",
                AllowMultipleArgumentsPerToken = true,
            };
    }

    public IEnumerable<Option> Options =>
        [.. _valued.Select(f => (Option)f.Option), .. _switches.Select(f => f.Option), .. _set is null ? [] : new Option[] { _set }];

    /// <summary>The defaults, then every flag given, then every <c>--set</c> pair; not validated yet.</summary>
    public T Read(ParseResult parse)
    {
        var options = new T();
        foreach (var (property, option) in _valued)
            if (parse.GetResult(option) is { Implicit: false })
                Knobs.TrySet(options, Knobs.Name(property), parse.GetValue(option) ?? "");
        foreach (var (property, option) in _switches)
            if (parse.GetResult(option) is { Implicit: false })
                Knobs.TrySet(options, Knobs.Name(property), parse.GetValue(option) ? "true" : "false");
        if (_set is not null) Knobs.Apply(options, JobOverrides.ParsePairs(parse.GetValue(_set) ?? []));
        return options;
    }
}
