import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitMessage, TELEGRAM_MAX_MESSAGE_LENGTH } from '../../../src/core/report/telegram.js';
import { FakeTelegram } from '../../support/fake-telegram.js';
import { removeTestKeys } from '../../support/keys.js';
import { freePort } from '../../support/ports.js';
import { builtResult, emptySandbox, LINK_PATH, runReportTrigger, type Sandbox, syntheticEntry } from './support.js';

const TOKEN = '123456:secret-bot-token';
const CHAT = '@ahriman_updates';

describe('telegram report', () => {
  let sandbox: Sandbox;
  let telegram: FakeTelegram;

  beforeAll(async () => {
    sandbox = await emptySandbox();
    telegram = await new FakeTelegram(TOKEN, [CHAT]).start();
  });
  afterAll(async () => {
    await telegram.stop();
    await sandbox.cleanup();
    await removeTestKeys();
  });

  function section(options: { token?: string; chat?: string } = {}): string {
    return [
      '[report]',
      'target = telegram',
      '[telegram]',
      `api_key = ${options.token ?? TOKEN}`,
      `chat_id = ${options.chat ?? CHAT}`,
      `api_url = ${telegram.url}`,
      `link_path = ${LINK_PATH}`,
      'timeout = 5',
    ].join('\n');
  }

  it('posts the built packages as an HTML message, one line per package', async () => {
    telegram.messages.length = 0;
    const entries = [syntheticEntry('ahr-one'), syntheticEntry('ahr-two', { version: '2:3.0-1' }), syntheticEntry('ahr-idle')];
    const error = await runReportTrigger(sandbox, section(), builtResult(entries.slice(0, 2)), entries);
    expect(error).toBeUndefined();
    expect(telegram.messages).toHaveLength(1);
    const [message] = telegram.messages;
    expect(message!.chatId).toBe(CHAT);
    expect(message!.parseMode).toBe('HTML');
    expect(message!.text.split('\n')).toEqual([
      '<b>demo update</b>',
      `<a href="${LINK_PATH}/ahr-one-1.0-1-any.pkg.tar.zst">ahr-one</a> 1.0-1`,
      `<a href="${LINK_PATH}/ahr-two-2:3.0-1-any.pkg.tar.zst">ahr-two</a> 2:3.0-1`,
      '',
    ]);
  });

  it('splits a long report into chunks Telegram accepts, at line breaks', async () => {
    telegram.messages.length = 0;
    const entries = Array.from({ length: 300 }, (_, index) => syntheticEntry(`ahr-package-number-${String(index).padStart(3, '0')}`));
    const error = await runReportTrigger(sandbox, section(), builtResult(entries), entries);
    expect(error).toBeUndefined();
    expect(telegram.messages.length).toBeGreaterThan(3);
    for (const message of telegram.messages) expect(message.text.length).toBeLessThanOrEqual(TELEGRAM_MAX_MESSAGE_LENGTH);
    const lines = telegram.messages.flatMap((message) => message.text.split('\n')).filter((line) => line.length > 0);
    expect(lines).toEqual([
      '<b>demo update</b>',
      ...entries.map((entry) => `<a href="${LINK_PATH}/${entry.fileName}">${entry.name}</a> 1.0-1`),
    ]);
  });

  it('sends nothing when nothing was built', async () => {
    telegram.messages.length = 0;
    expect(await runReportTrigger(sandbox, section(), { success: [], failed: [], removed: [], errors: [] }, [syntheticEntry('ahr-one')])).toBeUndefined();
    expect(telegram.messages).toEqual([]);
  });

  it("fails with Telegram's reason, never showing the bot token", async () => {
    const entries = [syntheticEntry('ahr-one')];
    const wrongToken = await runReportTrigger(sandbox, section({ token: '999:other-token' }), builtResult(entries), entries);
    expect(wrongToken?.message).toMatch(/telegram \(Telegram refused the message for chat @ahriman_updates: HTTP 401 Unauthorized\)/);
    const wrongChat = await runReportTrigger(sandbox, section({ chat: '@nobody' }), builtResult(entries), entries);
    expect(wrongChat?.message).toContain('HTTP 400 Bad Request: chat not found');

    const unreachable = await runReportTrigger(sandbox, section().replace(telegram.url, `http://127.0.0.1:${await freePort()}`), builtResult(entries), entries);
    expect(unreachable?.message).toContain('cannot reach the Telegram API');
    expect(unreachable?.message).toContain('/bot<api_key>/sendMessage');
    expect(unreachable?.message).not.toContain('secret-bot-token');
  });

  it('cuts a single line longer than the limit without splitting a surrogate pair', () => {
    const line = `${'a'.repeat(4095)}😀${'b'.repeat(10)}`;
    const chunks = splitMessage(`head\n${line}`);
    expect(chunks).toEqual(['head', 'a'.repeat(4095), `😀${'b'.repeat(10)}`]);
    expect(splitMessage('short')).toEqual(['short']);
  });
});
