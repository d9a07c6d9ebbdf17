/**
 * A local stand-in for the Telegram Bot API's `sendMessage` (`POST /bot<token>/sendMessage`, form or JSON body) on
 * loopback: it records what a bot sent and answers as Telegram does, including its errors (unknown token, unknown
 * chat, message too long).
 */
import type http from 'node:http';
import { LocalHttpServer } from './local-http-server.js';

export interface SentMessage {
  token: string;
  chatId: string;
  text: string;
  parseMode: string | undefined;
}

const MAX_MESSAGE_LENGTH = 4096;

export class FakeTelegram extends LocalHttpServer {
  readonly messages: SentMessage[] = [];

  constructor(
    /** The only bot token accepted. */
    readonly token: string,
    /** The chats that exist. */
    readonly chats: readonly string[],
  ) {
    super();
  }

  protected async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const answer = (status: number, body: object): void => {
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const match = /^\/bot([^/]+)\/sendMessage$/.exec(request.url ?? '');
    if (request.method !== 'POST' || match === null) return answer(404, { ok: false, error_code: 404, description: 'Not Found' });
    if (match[1] !== this.token) return answer(401, { ok: false, error_code: 401, description: 'Unauthorized' });

    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const fields: Record<string, string> = request.headers['content-type']?.includes('json')
      ? (JSON.parse(raw) as Record<string, string>)
      : Object.fromEntries(new URLSearchParams(raw));
    const { chat_id: chatId, text, parse_mode: parseMode } = fields;
    if (chatId === undefined || !this.chats.includes(chatId)) {
      return answer(400, { ok: false, error_code: 400, description: 'Bad Request: chat not found' });
    }
    if (!text) return answer(400, { ok: false, error_code: 400, description: 'Bad Request: message text is empty' });
    if (text.length > MAX_MESSAGE_LENGTH) return answer(400, { ok: false, error_code: 400, description: 'Bad Request: message is too long' });
    this.messages.push({ token: match[1], chatId, text, parseMode });
    answer(200, { ok: true, result: { message_id: this.messages.length, chat: { id: chatId }, text } });
  }
}
