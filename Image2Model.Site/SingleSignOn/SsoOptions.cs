namespace Image2Model.Site.SingleSignOn;

public sealed class SsoOptions
{
    public const string Section = "Sso";

    public const string Scheme = "oidc";

    /// <summary>The OpenID Connect provider's address (its discovery document is under /.well-known/); empty = no single sign-on.</summary>
    public string? Authority { get; set; }

    public string? ClientId { get; set; }

    public string? ClientSecret { get; set; }

    /// <summary>The button's words: "Sign in with {DisplayName}".</summary>
    public string DisplayName { get; set; } = "single sign-on";

    /// <summary>Only for a provider on a trusted local network or in tests: allows its metadata over plain HTTP.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>Create an account for a verified address that has none yet (otherwise only existing accounts can use SSO).</summary>
    public bool CreateAccounts { get; set; } = true;

    /// <summary>Turn password sign-in, registration and password reset off: everyone signs in through the provider.</summary>
    public bool DisablePasswordSignIn { get; set; }

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Authority) && !string.IsNullOrWhiteSpace(ClientId);
}
