/** The three endpoints of an OAuth2 authorization-code login. */
export interface OAuthEndpoints {
  authorizeUrl: string;
  tokenUrl: string;
  /** Answers the logged-in identity (`email`, `login`, `username` or `preferred_username`) for the access token. */
  userinfoUrl: string;
}

/**
 * Providers known by the class names the reference's `[auth] oauth_provider` takes (aioauth-client); any other
 * provider is configured with `oauth_authorize_url`, `oauth_token_url` and `oauth_userinfo_url`.
 */
export const OAUTH_PROVIDERS: Readonly<Record<string, OAuthEndpoints>> = {
  GoogleClient: {
    authorizeUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
    tokenUrl: 'https://oauth2.googleapis.com/token',
    userinfoUrl: 'https://openidconnect.googleapis.com/v1/userinfo',
  },
  GithubClient: {
    authorizeUrl: 'https://github.com/login/oauth/authorize',
    tokenUrl: 'https://github.com/login/oauth/access_token',
    userinfoUrl: 'https://api.github.com/user',
  },
  GitlabClient: {
    authorizeUrl: 'https://gitlab.com/oauth/authorize',
    tokenUrl: 'https://gitlab.com/oauth/token',
    userinfoUrl: 'https://gitlab.com/oauth/userinfo',
  },
  DiscordClient: {
    authorizeUrl: 'https://discord.com/oauth2/authorize',
    tokenUrl: 'https://discord.com/api/oauth2/token',
    userinfoUrl: 'https://discord.com/api/users/@me',
  },
  YandexClient: {
    authorizeUrl: 'https://oauth.yandex.com/authorize',
    tokenUrl: 'https://oauth.yandex.com/token',
    userinfoUrl: 'https://login.yandex.ru/info?format=json',
  },
};

export const OAUTH_ENDPOINT_KEYS = ['oauth_authorize_url', 'oauth_token_url', 'oauth_userinfo_url'] as const;
