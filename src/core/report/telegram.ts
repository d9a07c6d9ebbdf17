/**
 * The `telegram` report: a message listing the packages built in this run (nothing is sent when nothing was built),
 * posted by a bot (`POST <api_url>/bot<api_key>/sendMessage`) in chunks Telegram accepts.
 */
import * as z from 'zod/mini';
import { callOptions, option } from '../configuration/schema.js';
import { errorMessage } from '../errors.js';
import { fetchWithRetries, type HttpPolicy } from '../http/client.js';
import { defineReportType, ReportError } from './report.js';
import { builtEntries, chosenTemplate, renderingContext, templateOptions, templateRenderer } from './report-context.js';

/** Telegram refuses longer messages (counted in UTF-16 code units, as JavaScript strings are). */
export const TELEGRAM_MAX_MESSAGE_LENGTH = 4096;

export const telegramSchema = z.object({
  ...templateOptions,
  api_key: option.string(),
  chat_id: option.string(),
  /** The Bot API server; another one for a self-hosted Bot API server (or tests). */
  api_url: z._default(option.url(['http', 'https']), 'https://api.telegram.org'),
  template_type: z._default(option.oneOf(['HTML', 'Markdown', 'MarkdownV2']), 'HTML'),
  ...callOptions({ timeout: 30, maxRetries: 0, retryBackoff: 0 }),
});

/** The end of a chunk starting at `start`: its last line break, or a hard cut that keeps surrogate pairs whole. */
function chunkEnd(text: string, start: number, limit: number): { end: number; next: number } {
  const hardEnd = start + limit;
  const lineBreak = text.lastIndexOf('\n', hardEnd);
  if (lineBreak > start) return { end: lineBreak, next: lineBreak + 1 };
  const code = text.charCodeAt(hardEnd - 1);
  const end = code >= 0xd800 && code <= 0xdbff ? hardEnd - 1 : hardEnd;
  return { end, next: end };
}

/**
 * Splits a message into chunks of at most `limit` characters at line breaks (the line break itself is dropped);
 * only a single line longer than the limit is cut inside.
 */
export function splitMessage(text: string, limit = TELEGRAM_MAX_MESSAGE_LENGTH): string[] {
  const chunks: string[] = [];
  let start = 0;
  while (text.length - start > limit) {
    const { end, next } = chunkEnd(text, start, limit);
    chunks.push(text.slice(start, end));
    start = next;
  }
  chunks.push(text.slice(start));
  return chunks.filter((chunk) => chunk.trim().length > 0);
}

/** The Bot API explains errors in `description`; other servers (a proxy) may answer anything. */
function refusalReason(answer: string): string {
  try {
    const { description } = JSON.parse(answer) as { description?: unknown };
    if (typeof description === 'string') return description;
  } catch {
    // not JSON: show it as it is
  }
  return answer.slice(0, 200);
}

export const telegramReport = defineReportType(telegramSchema, async (options, environment, result, packages) => {
  if (result.success.length === 0 && (result.promoted ?? []).length === 0) return;
  const built = builtEntries(packages, new Set(result.success.map((item) => item.base)));
  const template = chosenTemplate(environment, 'template', 'template_path', 'telegram-index.eta');
  const text = await templateRenderer(environment).render(template, { ...renderingContext(environment, options, built), promoted: result.promoted ?? [] });

  const policy: HttpPolicy = { timeoutMs: options.timeout * 1000, maxRetries: options.max_retries, retryBackoffSeconds: options.retry_backoff };
  const url = `${options.api_url.replace(/\/+$/, '')}/bot${options.api_key}/sendMessage`;
  // the bot token is part of the URL: keep it out of every message
  const hideToken = (message: string): string => message.split(options.api_key).join('<api_key>');
  for (const chunk of splitMessage(text)) {
    const body = new URLSearchParams({ chat_id: options.chat_id, text: chunk, parse_mode: options.template_type });
    let response: Response;
    try {
      response = await fetchWithRetries(url, { method: 'POST', body }, policy);
    } catch (error) {
      throw new ReportError(`cannot reach the Telegram API: ${hideToken(errorMessage(error))}`);
    }
    if (!response.ok) {
      const reason = refusalReason(await response.text().catch(() => ''));
      throw new ReportError(`Telegram refused the message for chat ${options.chat_id}: HTTP ${response.status} ${hideToken(reason)}`.trim());
    }
  }
});
