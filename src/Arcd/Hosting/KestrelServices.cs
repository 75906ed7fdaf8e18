using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Arcd.Hosting;

/// <summary>
/// Kestrel's HTTPS setup resolves its own (internal) services from ApplicationServices. Only for
/// TLS, arcd lets Kestrel register them — through UseKestrel on a builder that just collects the
/// registrations — and builds a container from them; plain HTTP keeps the host-less fast start.
/// </summary>
internal static class KestrelServices
{
    public static IServiceProvider Build(ILoggerFactory loggerFactory)
    {
        var services = new ServiceCollection();
        services.AddSingleton(loggerFactory);
        services.AddLogging();
        services.AddMetrics();
        var collector = new RegistrationCollector(services);
        collector.UseKestrel();
        return services.BuildServiceProvider();
    }

    private sealed class RegistrationCollector(IServiceCollection services) : IWebHostBuilder
    {
        private readonly WebHostBuilderContext _context = new() { Configuration = new ConfigurationBuilder().Build() };

        public IWebHostBuilder ConfigureServices(Action<IServiceCollection> configureServices)
        {
            configureServices(services);
            return this;
        }

        public IWebHostBuilder ConfigureServices(Action<WebHostBuilderContext, IServiceCollection> configureServices)
        {
            configureServices(_context, services);
            return this;
        }

        public IWebHostBuilder ConfigureAppConfiguration(Action<WebHostBuilderContext, IConfigurationBuilder> configureDelegate) => this;

        public string? GetSetting(string key) => null;

        public IWebHostBuilder UseSetting(string key, string? value) => this;

        // IWebHostBuilder still declares Build() returning the obsolete IWebHost; this builder never builds.
#pragma warning disable ASPDEPR008
        public IWebHost Build() => throw new NotSupportedException("only collects Kestrel's service registrations");
#pragma warning restore ASPDEPR008
    }
}
