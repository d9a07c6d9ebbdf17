/**
 * A local stand-in for the Telegram Bot API's `sendMessage` (`POST /bot<token>/sendMessage`, form or JSON body) on
 * loopback: it records what a bot sent and answers as Telegram does, including its errors (unknown token, unknown
 * chat, message too long).
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SentMessage {
  token: string;
  chatId: string;
  text: string;
  parseMode: string | undefined;
}

const MAX_MESSAGE_LENGTH = 4096;

export class FakeTelegram {
  readonly messages: SentMessage[] = [];
  private readonly server = http.createServer((request, response) => void this.handle(request, response));

  constructor(
    /** The only bot token accepted. */
    readonly token: string,
    /** The chats that exist. */
    readonly chats: readonly string[],
  ) {}

  async start(): Promise<this> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
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
