using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Image2Model.Tests.Browser;

/// <summary>
/// Every console error and uncaught page error of a page, so a test fails on any of them.
/// The only exceptions are on an allow-list, and each entry says why it is allowed.
/// </summary>
public sealed class PageProblems
{
    /// <summary>A problem the tests accept, with the reason; <see cref="Pattern"/> is matched against the whole problem text.</summary>
    public sealed record Allowed(string Pattern, string Why)
    {
        public bool Matches(string problem) => Regex.IsMatch(problem, Pattern, RegexOptions.IgnoreCase);
    }

    private readonly List<string> _problems = [];
    private readonly IReadOnlyList<Allowed> _allowed;

    private PageProblems(IReadOnlyList<Allowed> allowed) => _allowed = allowed;

    /// <summary>Starts collecting <paramref name="page"/>'s problems; <paramref name="allowed"/> are the test's expected ones.</summary>
    public static PageProblems Watch(IPage page, params Allowed[] allowed)
    {
        var problems = new PageProblems(allowed);
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                problems.Add($"console error on {page.Url} at {message.Location}: {message.Text}");
            }
        };
        page.PageError += (_, error) => problems.Add($"page error on {page.Url}: {error}");
        return problems;
    }

    /// <summary>The problems that no allow-list entry accepts.</summary>
    public IReadOnlyList<string> Unexpected
    {
        get
        {
            lock (_problems)
            {
                return _problems.Where(p => !_allowed.Any(a => a.Matches(p))).ToList();
            }
        }
    }

    public void AssertNone()
    {
        var unexpected = Unexpected;
        Assert.True(unexpected.Count == 0, "The browser reported problems:\n" + string.Join("\n", unexpected));
    }

    private void Add(string problem)
    {
        lock (_problems)
        {
            _problems.Add(problem);
        }
    }
}
