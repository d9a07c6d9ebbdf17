import { type OAuthEndpoints, OAUTH_PROVIDERS } from '../core/auth/oauth-providers.js';
import type { Configuration } from '../core/configuration/configuration.js';
import { ConfigurationError } from '../core/errors.js';
import type { UserAccess } from '../models/user.js';

export const AUTH_PROVIDERS = ['disabled', 'configuration', 'oauth', 'pam'] as const;
export type AuthProvider = (typeof AUTH_PROVIDERS)[number];

/** The `[web]` and `[auth]` options the server runs with; re-read by `web-reload`. */
export interface WebSettings {
  host: string;
  port: number | undefined;
  unixSocket: string | undefined;
  unixSocketUnsafe: boolean;
  address: string | undefined;
  staticPath: string | undefined;
  maxBodySize: number;
  waitTimeout: number;
  serviceOnly: boolean;
  enableArchiveUpload: boolean;
  autorefreshIntervals: number[];
  indexUrl: string | undefined;
  cors: { origins: string[]; methods: string[]; headers: string[]; exposeHeaders: string[] };
  /** Messages an SSE subscriber may have waiting before it is dropped. */
  maxQueueSize: number;
  auth: {
    provider: AuthProvider;
    allowReadOnly: boolean;
    cookieSecretKey: string | undefined;
    maxAge: number;
    salt: string;
    permitRootLogin: boolean;
    fullAccessGroup: string | undefined;
    oauth: OAuthSettings | undefined;
  };
}

export interface OAuthSettings {
  clientId: string;
  clientSecret: string;
  scopes: string[];
  endpoints: OAuthEndpoints;
}

/** The reference's default for a body is aiohttp's 1 MiB; uploads of packages need `max_body_size`. */
const DEFAULT_BODY_SIZE = 1024 * 1024;
const DEFAULT_QUEUE_SIZE = 1000;

const PROVIDER_ALIASES: Record<string, AuthProvider> = { mapping: 'configuration', oauth2: 'oauth' };

export function readWebSettings(configuration: Configuration): WebSettings {
  const target = configuration.getString('auth', 'target', 'disabled');
  const provider = PROVIDER_ALIASES[target] ?? (target as AuthProvider);
  return {
    host: configuration.getString('web', 'host', '127.0.0.1'),
    port: configuration.getInt('web', 'port', undefined),
    unixSocket: configuration.getPath('web', 'unix_socket', undefined),
    unixSocketUnsafe: configuration.getBool('web', 'unix_socket_unsafe', true),
    address: configuration.getString('web', 'address', undefined),
    staticPath: configuration.getPath('web', 'static_path', undefined),
    maxBodySize: configuration.getInt('web', 'max_body_size', DEFAULT_BODY_SIZE),
    waitTimeout: configuration.getInt('web', 'wait_timeout', -1),
    serviceOnly: configuration.getBool('web', 'service_only', false),
    enableArchiveUpload: configuration.getBool('web', 'enable_archive_upload', false),
    autorefreshIntervals: configuration.getIntList('web', 'autorefresh_intervals', [5, 1, 10, 30, 60]),
    indexUrl: configuration.getString('web', 'index_url', undefined),
    cors: {
      origins: configuration.getList('web', 'cors_allow_origins', []),
      methods: configuration.getList('web', 'cors_allow_methods', []),
      headers: configuration.getList('web', 'cors_allow_headers', []),
      exposeHeaders: configuration.getList('web', 'cors_expose_headers', []),
    },
    maxQueueSize: configuration.getInt('web', 'max_queue_size', 0) || DEFAULT_QUEUE_SIZE,
    auth: {
      provider,
      allowReadOnly: configuration.getBool('auth', 'allow_read_only', true),
      cookieSecretKey: configuration.getString('auth', 'cookie_secret_key', undefined),
      maxAge: configuration.getInt('auth', 'max_age', 604800),
      salt: configuration.getString('auth', 'salt', ''),
      permitRootLogin: configuration.getBool('auth', 'permit_root_login', false),
      fullAccessGroup: configuration.getString('auth', 'full_access_group', undefined),
      oauth: provider === 'oauth' ? readOAuthSettings(configuration) : undefined,
    },
  };
}

/** The OAuth2 client: the endpoints of `oauth_provider`, each replaced by its `oauth_*_url` when that is set. */
function readOAuthSettings(configuration: Configuration): OAuthSettings {
  const provider = configuration.getString('auth', 'oauth_provider', undefined);
  const known = provider === undefined ? undefined : OAUTH_PROVIDERS[provider];
  const endpoint = (key: string, fallback: string | undefined): string => {
    const value = configuration.getString('auth', key, fallback);
    if (value === undefined) throw new ConfigurationError(`[auth] ${key} is needed: oauth_provider ${provider ?? '(unset)'} is not a known provider`);
    return value;
  };
  return {
    clientId: configuration.getString('auth', 'client_id'),
    clientSecret: configuration.getString('auth', 'client_secret'),
    scopes: configuration.getList('auth', 'oauth_scopes', []),
    endpoints: {
      authorizeUrl: endpoint('oauth_authorize_url', known?.authorizeUrl),
      tokenUrl: endpoint('oauth_token_url', known?.tokenUrl),
      userinfoUrl: endpoint('oauth_userinfo_url', known?.userinfoUrl),
    },
  };
}

/** Role a route needs per reference §6.3; `read` routes are open to everyone with `allow_read_only`. */
export function effectiveRequirement(settings: WebSettings, required: UserAccess): UserAccess {
  if (settings.auth.provider === 'disabled') return 'unauthorized';
  if (settings.auth.allowReadOnly && required === 'read') return 'unauthorized';
  return required;
}
