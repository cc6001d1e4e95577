using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Image2Model.Site.Accounts;
using Image2Model.Site.Conversions;
using Image2Model.Site.Uploads;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace Image2Model.Site.Pages.Upload;

public sealed class IndexModel(BatchUploader uploader, GeneratorCatalog generators, IOptions<UploadOptions> limits) : PageModel
{
    [BindProperty]
    public UploadInput Input { get; set; } = new();

    public IReadOnlyList<IGenerator> Generators => generators.Available.ToList();

    public UploadOptions Limits => limits.Value;

    public string? Error { get; private set; }

    public IReadOnlyList<RejectedFile> Rejected { get; private set; } = [];

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        var outcome = await uploader.UploadAsync(User.UserId(), Request.Form.Files.GetFiles("files"), Input.Generator, Input.ToOptions(), cancellationToken);
        if (outcome.Batch is null)
        {
            (Error, Rejected) = (outcome.Error, outcome.Rejected);
            if (outcome.StorageFull)
            {
                Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                Response.Headers.RetryAfter = "60";
            }

            return Page();
        }

        TempData[Batches.DetailsModel.RejectedKey] = JsonSerializer.Serialize(outcome.Rejected);
        return RedirectToPage("/Batches/Details", new { id = outcome.Batch.Id });
    }

    public sealed class UploadInput : IValidatableObject
    {
        public string Generator { get; set; } = GeneratorCatalog.DefaultName;

        /// <summary>"auto", a preset number, or "custom" (then <see cref="CustomFaceLimit"/> counts).</summary>
        public string FacePreset { get; set; } = "auto";

        [Display(Name = "Number of triangles")]
        public int? CustomFaceLimit { get; set; }

        public TextureQuality Texture { get; set; } = TextureQuality.Standard;

        public bool Pbr { get; set; }

        [Range(0, int.MaxValue, ErrorMessage = "The seed must be a whole number of 0 or more.")]
        public int? Seed { get; set; }

        public int? FaceLimit => FacePreset switch
        {
            "custom" => CustomFaceLimit,
            _ when int.TryParse(FacePreset, out var preset) => preset,
            _ => null,
        };

        public GenerationOptions ToOptions() => new(FaceLimit, Texture, Pbr, Seed);

        public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
        {
            if (FacePreset is not ("auto" or "5000" or "10000" or "20000" or "custom"))
            {
                yield return new ValidationResult("Pick a face limit from the list.", [nameof(FacePreset)]);
            }
            else if (FacePreset == "custom" && CustomFaceLimit is not (>= GenerationOptions.MinFaces and <= GenerationOptions.MaxFaces))
            {
                yield return new ValidationResult($"Enter a number of triangles from {GenerationOptions.MinFaces:N0} to {GenerationOptions.MaxFaces:N0}.", [nameof(CustomFaceLimit)]);
            }
        }
    }
}
