import { once } from 'node:events';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { login, REPOSITORY, startTestServer, type TestServer } from './support.js';

let test: TestServer;

beforeAll(async () => {
  test = await startTestServer({ ini: '[web]\nmax_queue_size = 4\n', packages: ['alpha', 'beta'] });
});
afterAll(() => test.stop());

/** Reads SSE messages from a stream until `count` have arrived. */
async function readMessages(body: ReadableStream<Uint8Array>, count: number): Promise<Array<{ event: string; data: Record<string, unknown> }>> {
  const messages: Array<{ event: string; data: Record<string, unknown> }> = [];
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = body.getReader();
  while (messages.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) messages.push({ event, data: JSON.parse(data) as Record<string, unknown> });
    }
  }
  await reader.cancel();
  return messages;
}

describe('events/stream', () => {
  it('streams the status changes of the topics and objects asked for, to anyone who may read', async () => {
    const response = await fetch(`${test.url}/api/v1/events/stream?event=package-held&event=package-status-changed&object_id=alpha`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const received = readMessages(response.body!, 2);
    const cookie = await login(test.url, 'full');
    const post = (url: string, body: unknown) =>
      fetch(`${test.url}${url}`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post('/api/v1/packages/beta/hold', { is_held: true })).status).toBe(204);
    expect((await post('/api/v1/packages/alpha/hold', { is_held: true })).status).toBe(204);
    expect((await post('/api/v1/packages/alpha', { status: 'failed' })).status).toBe(204);
    expect(await received).toEqual([
      { event: 'package-held', data: expect.objectContaining({ object_id: 'alpha', message: 'held', data: { isHeld: true } }) },
      { event: 'package-status-changed', data: expect.objectContaining({ object_id: 'alpha', message: 'failed', data: { status: 'failed', version: '1.0-1' } }) },
    ]);
  });

  it('needs full access for build logs', async () => {
    expect((await fetch(`${test.url}/api/v1/events/stream?event=build-log`)).status).toBe(401);
    const reporter = await login(test.url, 'reporter');
    expect((await fetch(`${test.url}/api/v1/events/stream`, { headers: { cookie: reporter } })).status).toBe(403);
    const full = await login(test.url, 'full');
    const response = await fetch(`${test.url}/api/v1/events/stream?event=build-log`, { headers: { cookie: full } });
    const received = readMessages(response.body!, 1);
    await fetch(`${test.url}/api/v1/packages/alpha/logs`, {
      method: 'POST',
      headers: { cookie: full, 'content-type': 'application/json' },
      body: JSON.stringify({ created: 1.5, message: '==> Making package', version: '1.0-1', process_id: 'p1' }),
    });
    expect(await received).toEqual([{ event: 'build-log', data: { object_id: 'alpha', message: '==> Making package', created: 1.5, data: { version: '1.0-1', process_id: 'p1' } } }]);
  });

  it('drops a subscriber that never reads instead of buffering for it, and keeps serving', async () => {
    const { bus } = test.server.web;
    // the streams of the other tests are gone once the server has seen their sockets close
    await vi.waitFor(() => expect(bus.size).toBe(0), { timeout: 10_000, interval: 20 });
    const socket = net.connect(Number(new URL(test.url).port), '127.0.0.1');
    socket.write(`GET /api/v1/events/stream?event=package-outdated HTTP/1.1\r\nHost: ${new URL(test.url).host}\r\n\r\n`);
    await once(socket, 'data');
    socket.pause();
    expect(bus.size).toBe(1);
    const message = 'x'.repeat(256 * 1024);
    // 4 queued messages of 256 KiB plus what the sockets hold; bounded so the test ends if the drop never happens
    for (let sent = 0; bus.size > 0 && sent < 4000; sent += 1) {
      bus.publish(REPOSITORY, { event: 'package-outdated', objectId: 'alpha', message, created: 1, data: {} });
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(bus.size).toBe(0);
    socket.destroy();
    expect((await fetch(`${test.url}/api/v1/info`)).status).toBe(200);
  });
});
