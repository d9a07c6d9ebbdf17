/**
 * The `email` report: an HTML mail listing the packages built in this run (skipped when nothing was built, unless
 * `no_empty_report = no`), optionally with the full index (`template_full`) attached as `index.html`.
 *
 * `ssl`: `ssl` connects over TLS (usually port 465); `starttls` upgrades a plain connection and refuses to go on
 * when the server cannot (usually port 587); `disabled` stays plain, even when the server offers STARTTLS.
 * nodemailer is imported only when a mail is sent.
 */
import { readFileSync } from 'node:fs';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import * as z from 'zod/mini';
import { callOptions, option, retryPolicyOf } from '../configuration/schema.js';
import { errorMessage } from '../errors.js';
import { formatTimestamp } from '../format/date.js';
import { withRetries } from '../retry.js';
import { defineReportType, type ReportEnvironment, ReportError } from './report.js';
import { builtEntries, chosenTemplate, renderingContext, templateOptions, templateRenderer } from './report-context.js';

export const SMTP_SSL_MODES = ['ssl', 'starttls', 'disabled'] as const;

export const emailSchema = z.object({
  ...templateOptions,
  host: option.string(),
  port: option.integer({ min: 1, max: 65535 }),
  sender: option.string(),
  receivers: option.list().check(z.refine((receivers) => receivers.length > 0, 'expected at least one address')),
  ssl: z._default(option.oneOf(SMTP_SSL_MODES), 'disabled'),
  user: z.optional(option.string()),
  password: z.optional(option.string()),
  /** Certificate authorities (PEM) to trust besides the system ones, e.g. for a private mail server. */
  ca_file: z.optional(option.path('file')),
  /** `timeout`: seconds to wait for the server at each step. */
  ...callOptions({ timeout: 30, maxRetries: 2, retryBackoff: 1 }),
  no_empty_report: z._default(option.boolean(), true),
  template_full: z.optional(option.string()),
  /** The reference's older spelling of `template_full`: a path. */
  full_template_path: z.optional(option.path()),
});

type EmailOptions = z.output<typeof emailSchema>;

interface Attachment {
  filename: string;
  content: string;
  contentType: string;
}

async function trustedAuthorities(environment: ReportEnvironment): Promise<string[] | undefined> {
  const file = environment.configuration.getPath(environment.section, 'ca_file', undefined);
  if (file === undefined) return undefined;
  const { rootCertificates } = await import('node:tls'); // 4 ms to load: not at every command's start
  return [...rootCertificates, readFileSync(file, 'utf8')];
}

/**
 * Network failures and time limits may pass, and so may 4xx answers (SMTP's "try again later"); 5xx answers, TLS
 * and certificate failures do not.
 */
function isTransientSmtpError(error: unknown): boolean {
  const { code, responseCode, syscall } = error as { code?: unknown; responseCode?: unknown; syscall?: unknown };
  if (typeof responseCode === 'number') return responseCode >= 400 && responseCode < 500;
  if (code === 'ESOCKET') return typeof syscall === 'string'; // a socket call failed, not the TLS handshake
  return code === 'ECONNECTION' || code === 'ETIMEDOUT' || code === 'EDNS';
}

async function send(options: EmailOptions, environment: ReportEnvironment, subject: string, html: string, attachments: Attachment[]): Promise<void> {
  const { default: nodemailer } = await import('nodemailer');
  const timeout = options.timeout * 1000;
  const settings: SMTPTransport.Options = {
    host: options.host,
    port: options.port,
    secure: options.ssl === 'ssl',
    requireTLS: options.ssl === 'starttls',
    ignoreTLS: options.ssl === 'disabled',
    auth: options.user !== undefined && options.password !== undefined ? { user: options.user, pass: options.password } : undefined,
    tls: { ca: await trustedAuthorities(environment) },
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  };
  const transport = nodemailer.createTransport(settings);
  const server = `${options.host}:${options.port} (ssl = ${options.ssl})`;
  const mail = { from: options.sender, to: options.receivers, subject, html, attachments };
  try {
    const retry = { what: `mail through ${server}`, retryable: isTransientSmtpError };
    const info = await withRetries(retryPolicyOf(options), retry, () => transport.sendMail(mail));
    if (info.rejected.length > 0) {
      const refused = info.rejected.map((address: string | { address: string }) => (typeof address === 'string' ? address : address.address));
      throw new ReportError(`the mail server ${server} refused ${refused.join(', ')} (the other receivers got the report)`);
    }
  } catch (error) {
    if (error instanceof ReportError) throw error;
    throw new ReportError(`cannot send the report mail through ${server}: ${errorMessage(error)}`, { cause: error });
  } finally {
    transport.close();
  }
}

export const emailReport = defineReportType(emailSchema, async (options, environment, result, packages) => {
  if (options.no_empty_report && result.success.length === 0 && (result.promoted ?? []).length === 0) return;
  const renderer = templateRenderer(environment);
  const built = builtEntries(packages, new Set(result.success.map((item) => item.base)));
  const body = await renderer.render(chosenTemplate(environment, 'template', 'template_path', 'email-index.eta'), { ...renderingContext(environment, options, built), promoted: result.promoted ?? [] });

  const attachments: Attachment[] = [];
  const fullTemplate = chosenTemplate(environment, 'template_full', 'full_template_path');
  if (fullTemplate !== undefined) {
    const index = await renderer.render(fullTemplate, renderingContext(environment, options, packages));
    attachments.push({ filename: 'index.html', content: index, contentType: 'text/html; charset=utf-8' });
  }
  const subject = `${environment.repositoryId.name} build report at ${formatTimestamp(Date.now() / 1000)}`;
  await send(options, environment, subject, body, attachments);
});
