import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../src/core/process.js';
import { freePort } from '../../support/ports.js';
import { removeTestKeys } from '../../support/keys.js';
import { removeBuildDirectories } from '../../support/makepkg.js';
import { LINK_PATH, publishedRepository, runReportTrigger, type Sandbox } from './support.js';

interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  /** Whether the session was encrypted (implicit TLS or STARTTLS) when the message was sent. */
  secure: boolean;
  user: unknown;
}

interface TestServer {
  port: number;
  mails: ReceivedMail[];
  close(): Promise<void>;
}

const USER = 'reporter';
const PASSWORD = 'letmein';

/** An SMTP server on loopback that keeps what it receives, refuses `nobody@` receivers and checks logins. */
async function startSmtp(tls: { key: string; cert: string }, options: Partial<SMTPServerOptions>): Promise<TestServer> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    ...tls,
    logger: false,
    authOptional: true,
    onAuth(auth, _session, callback) {
      if (auth.username === USER && auth.password === PASSWORD) callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith('nobody@')) callback(Object.assign(new Error('5.1.1 no such mailbox'), { responseCode: 550 }));
      else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const { mailFrom, rcptTo } = session.envelope;
        mails.push({
          from: mailFrom === false ? '' : mailFrom.address,
          to: rcptTo.map((address) => address.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          secure: session.secure,
          user: session.user,
        });
        callback();
      });
    },
    ...options,
  });
  // a client giving up mid-handshake (the untrusted certificate case) is an expected error here
  server.on('error', () => undefined);
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  return {
    port: (server.server.address() as AddressInfo).port,
    mails,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function decodeQuotedPrintable(text: string): string {
  const bytes = text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/** The decoded parts of a message: each with its headers and body (one part for a message that is not multipart). */
function mimeParts(raw: string): { headers: string; body: string }[] {
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(raw)?.[1];
  const sections = boundary === undefined ? [raw] : raw.split(`--${boundary}`).slice(1, -1);
  return sections.map((section) => {
    const split = section.indexOf('\r\n\r\n');
    const headers = section.slice(0, split);
    const body = section.slice(split + 4);
    if (/transfer-encoding: base64/i.test(headers)) return { headers, body: Buffer.from(body.replace(/\s/g, ''), 'base64').toString('utf8') };
    if (/transfer-encoding: quoted-printable/i.test(headers)) return { headers, body: decodeQuotedPrintable(body) };
    return { headers, body };
  });
}

describe('email report', () => {
  let sandbox: Sandbox;
  let tls: { key: string; cert: string };
  let caFile: string;

  beforeAll(async () => {
    sandbox = await publishedRepository();
    const directory = path.dirname(sandbox.root);
    const key = path.join(directory, 'smtp.key');
    caFile = path.join(directory, 'smtp.crt');
    // a self-signed certificate for the loopback address, trusted through ca_file
    await run('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', caFile,
    ]);
    tls = { key: await readFile(key, 'utf8'), cert: await readFile(caFile, 'utf8') };
  });
  afterAll(async () => {
    await sandbox.cleanup();
    await removeBuildDirectories();
    await removeTestKeys();
  });

  function section(port: number, options: string[] = []): string {
    return [
      '[report]',
      'target = email',
      '[email]',
      'host = 127.0.0.1',
      `port = ${port}`,
      'sender = ahriman@build.example.org',
      'receivers = alice@example.org bob@example.org',
      `link_path = ${LINK_PATH}`,
      `ca_file = ${caFile}`,
      'timeout = 5',
      ...options,
    ].join('\n');
  }

  it('sends the rendered report over STARTTLS with a login, the full index attached', async () => {
    const server = await startSmtp(tls, { authOptional: false });
    try {
      const options = ['ssl = starttls', `user = ${USER}`, `password = ${PASSWORD}`, 'template_full = repo-index'];
      expect(await runReportTrigger(sandbox, section(server.port, options))).toBeUndefined();
      expect(server.mails).toHaveLength(1);
      const [mail] = server.mails;
      expect(mail!.secure).toBe(true);
      expect(mail!.user).toBe(USER);
      expect(mail!.from).toBe('ahriman@build.example.org');
      expect(mail!.to).toEqual(['alice@example.org', 'bob@example.org']);
      expect(mail!.raw).toMatch(/^Subject: demo build report at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\r$/m);

      const [body, attachment] = mimeParts(mail!.raw);
      expect(body!.headers).toMatch(/Content-Type: text\/html/i);
      for (const entry of sandbox.entries) {
        expect(body!.body).toContain(`<a href="${LINK_PATH}/${entry.fileName}">${entry.name}</a>`);
        expect(body!.body).toContain(`<td style="border: 1px solid #d1d9e0;">${entry.version}</td>`);
      }
      expect(attachment!.headers).toMatch(/filename=index\.html/);
      expect(attachment!.body).toContain('<title>demo</title>');
      for (const entry of sandbox.entries) expect(attachment!.body).toContain(`>${entry.name}</a></td>`);
    } finally {
      await server.close();
    }
  });

  it('connects over TLS with ssl = ssl, and stays in plain text with ssl = disabled even when STARTTLS is offered', async () => {
    const tlsServer = await startSmtp(tls, { secure: true });
    const plainServer = await startSmtp(tls, {});
    try {
      expect(await runReportTrigger(sandbox, section(tlsServer.port, ['ssl = ssl']))).toBeUndefined();
      expect(tlsServer.mails.map((mail) => mail.secure)).toEqual([true]);
      expect(await runReportTrigger(sandbox, section(plainServer.port, ['ssl = disabled']))).toBeUndefined();
      expect(plainServer.mails.map((mail) => mail.secure)).toEqual([false]);
    } finally {
      await Promise.all([tlsServer.close(), plainServer.close()]);
    }
  });

  it('refuses to go on without encryption or with a certificate it cannot trust', async () => {
    const noStarttls = await startSmtp(tls, { disabledCommands: ['STARTTLS'] });
    const tlsServer = await startSmtp(tls, { secure: true });
    try {
      const downgraded = await runReportTrigger(sandbox, section(noStarttls.port, ['ssl = starttls']));
      expect(downgraded?.message).toMatch(/email \(cannot send the report mail through 127\.0\.0\.1:\d+ \(ssl = starttls\): .*STARTTLS/);
      expect(noStarttls.mails).toEqual([]);

      const untrusted = await runReportTrigger(sandbox, section(tlsServer.port, ['ssl = ssl']).replace(`ca_file = ${caFile}`, ''));
      expect(untrusted?.message).toMatch(/self[- ]signed certificate/);
      expect(tlsServer.mails).toEqual([]);
    } finally {
      await Promise.all([noStarttls.close(), tlsServer.close()]);
    }
  });

  it('says clearly when the server refuses the login, a receiver or the connection', async () => {
    const server = await startSmtp(tls, { authOptional: false });
    try {
      const login = await runReportTrigger(sandbox, section(server.port, ['ssl = starttls', `user = ${USER}`, 'password = wrong']));
      expect(login?.message).toMatch(/cannot send the report mail through 127\.0\.0\.1:\d+ \(ssl = starttls\): Invalid login: 535/);

      const credentials = ['ssl = starttls', `user = ${USER}`, `password = ${PASSWORD}`];
      const partly = await runReportTrigger(sandbox, section(server.port, credentials).replace('bob@', 'nobody@'));
      expect(partly?.message).toContain('refused nobody@example.org (the other receivers got the report)');
      expect(server.mails.map((mail) => mail.to)).toEqual([['alice@example.org']]);

      const nobody = await runReportTrigger(sandbox, section(server.port, credentials).replace(/receivers = .*/, 'receivers = nobody@example.org'));
      expect(nobody?.message).toMatch(/cannot send the report mail .*550 5\.1\.1 no such mailbox/);
    } finally {
      await server.close();
    }
    const refused = await runReportTrigger(sandbox, section(await freePort()));
    expect(refused?.message).toMatch(/cannot send the report mail through 127\.0\.0\.1:\d+ \(ssl = disabled\): .*ECONNREFUSED/);
  });

  it('skips the mail when nothing was built, unless no_empty_report = no', async () => {
    const server = await startSmtp(tls, {});
    const nothing = { success: [], failed: [{ base: 'ahr-report-lib', version: '1:0.9-2', reason: 'failed' }], removed: [], errors: [] };
    try {
      expect(await runReportTrigger(sandbox, section(server.port), nothing)).toBeUndefined();
      expect(server.mails).toEqual([]);
      expect(await runReportTrigger(sandbox, section(server.port, ['no_empty_report = no']), nothing)).toBeUndefined();
      expect(server.mails).toHaveLength(1);
      expect(mimeParts(server.mails[0]!.raw)[0]!.body).toContain('demo (x86_64): 0 packages');
    } finally {
      await server.close();
    }
  });
});
