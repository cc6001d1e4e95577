namespace Image2Model.Site.Cli;

/// <summary>Verbs of the site's executable that do a job and exit instead of serving the site.</summary>
public static class CommandLine
{
    /// <summary>Runs a verb that needs no database (e.g. <c>convert</c>); false when the arguments name none.</summary>
    public static bool TryRun(string[] args, out int exitCode)
    {
        (var handled, exitCode) = args switch
        {
            ["convert", .. var rest] => (true, ConvertCommand.Run(rest, Console.Out, Console.Error)),
            ["probe", .. var rest] => (true, Operations.ProbeCommand.Run(rest, Console.Error)),
            _ => (false, 0),
        };
        return handled;
    }

    /// <summary>A verb that works on the site's database (after migrations), or null when the arguments name none.</summary>
    public static Task<int>? TryRunWithServices(IServiceProvider services, string[] args) => args switch
    {
        ["create-admin", .. var rest] => CreateAdminCommand.RunAsync(services, rest, Console.In, Console.Out, Console.Error),
        ["unlock", .. var rest] => UnlockCommand.RunAsync(services, rest, Console.In, Console.Out, Console.Error),
        _ => null,
    };
}
