using System.Net;
using System.Net.Http.Headers;
using AngleSharp;
using AngleSharp.Html.Dom;

namespace Image2Model.Tests.Infrastructure;

/// <summary>
/// A browser without JavaScript: fetches pages, parses them with AngleSharp, and submits their
/// forms (hidden fields such as the antiforgery token included) the way a browser would.
/// </summary>
public sealed class SiteClient(HttpClient http)
{
    public HttpClient Http => http;

    public async Task<IHtmlDocument> GetPageAsync(string url)
    {
        var response = await http.GetAsync(url);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {url} answered {(int)response.StatusCode}");
        return await ParseAsync(response);
    }

    public static async Task<IHtmlDocument> ParseAsync(HttpResponseMessage response)
    {
        var html = await response.Content.ReadAsStringAsync();
        var context = BrowsingContext.New(Configuration.Default);
        var url = response.RequestMessage!.RequestUri!.ToString();
        return (IHtmlDocument)await context.OpenAsync(r => r.Content(html).Address(url));
    }

    /// <summary>Submits <paramref name="form"/> with its current field values, overridden by <paramref name="values"/>.</summary>
    public Task<HttpResponseMessage> SubmitAsync(IHtmlFormElement form, IReadOnlyDictionary<string, string>? values = null, IEnumerable<FileField>? files = null, Action<HttpRequestMessage>? configure = null)
    {
        var fields = new List<KeyValuePair<string, string>>();
        foreach (var element in form.Elements)
        {
            switch (element)
            {
                case IHtmlInputElement input when input.Type is "checkbox" or "radio":
                    if (input.IsChecked)
                    {
                        fields.Add(new(input.Name!, input.Value));
                    }

                    break;
                case IHtmlInputElement input when input.Type is "file" or "submit":
                    break;
                case IHtmlInputElement input when !string.IsNullOrEmpty(input.Name):
                    fields.Add(new(input.Name!, input.Value));
                    break;
                case IHtmlSelectElement select when !string.IsNullOrEmpty(select.Name):
                    fields.Add(new(select.Name!, select.Value ?? ""));
                    break;
            }
        }

        foreach (var (name, value) in values ?? new Dictionary<string, string>())
        {
            fields.RemoveAll(f => f.Key == name);
            fields.Add(new(name, value));
        }

        HttpContent content;
        if (form.Enctype == "multipart/form-data")
        {
            var multipart = new MultipartFormDataContent();
            foreach (var (name, value) in fields)
            {
                multipart.Add(new StringContent(value), name);
            }

            foreach (var file in files ?? [])
            {
                var part = new ByteArrayContent(file.Content);
                part.Headers.ContentType = new MediaTypeHeaderValue(file.ContentType);
                multipart.Add(part, file.Field, file.FileName);
            }

            content = multipart;
        }
        else
        {
            content = new FormUrlEncodedContent(fields);
        }

        var request = new HttpRequestMessage(HttpMethod.Post, form.Action) { Content = content };
        configure?.Invoke(request);
        return http.SendAsync(request);
    }

    /// <summary>Follows a redirect and returns the page it leads to.</summary>
    public async Task<IHtmlDocument> FollowAsync(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.SeeOther or HttpStatusCode.Found,
            $"Expected a redirect, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await GetPageAsync(response.Headers.Location!.ToString());
    }
}

public sealed record FileField(string FileName, byte[] Content, string ContentType = "application/octet-stream", string Field = "files");
