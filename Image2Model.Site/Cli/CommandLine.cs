namespace Image2Model.Site.Cli;

/// <summary>Verbs of the site's executable that do a job and exit instead of serving the site.</summary>
public static class CommandLine
{
    public static bool TryRun(string[] args, out int exitCode)
    {
        exitCode = 0;
        return false;
    }
}
