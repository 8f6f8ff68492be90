using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BertServerless.Shared;

/// <summary>Options bound by the <see cref="Knobs"/> rule and checked by their own <c>Validate</c>, once, when the host starts.</summary>
public static class KnobOptionsExtensions
{
    /// <summary>
    /// Binds <typeparamref name="T"/> from <paramref name="configuration"/>'s <paramref name="section"/> with <see cref="Knobs.Apply(object, IConfigurationSection)"/>
    /// (so <c>Prep:max_len</c> and <c>Prep__MaxLen</c> both work, and a misspelt key fails) and validates it on start.
    /// </summary>
    public static OptionsBuilder<T> AddKnobOptions<T>(this IServiceCollection services, IConfiguration configuration, string section, Action<T> validate) where T : class
    {
        // The Functions runner and the worker both register the recipe; in one host (bertsl run) once is enough.
        if (services.Any(d => d.ImplementationInstance is ThrowingValidator<T>)) return services.AddOptions<T>();
        services.AddSingleton<IValidateOptions<T>>(new ThrowingValidator<T>(validate));
        return services.AddOptions<T>()
            .Configure(options => Knobs.Apply(options, configuration.GetSection(section)))
            .ValidateOnStart();
    }

    /// <summary>Adapts a <c>Validate()</c> that throws <see cref="ArgumentException"/> to the Options pattern.</summary>
    private sealed class ThrowingValidator<T>(Action<T> validate) : IValidateOptions<T> where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            try
            {
                validate(options);
                return ValidateOptionsResult.Success;
            }
            catch (ArgumentException e)
            {
                return ValidateOptionsResult.Fail(e.Message);
            }
        }
    }
}
