import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../src/application/handlers/index.js';

describe('COMMANDS', () => {
  it.each(COMMANDS.map((entry) => [entry.command, entry] as const))('%s names, aliases and describes its handler as the handler does', async (_command, entry) => {
    const handler = await entry.load();
    expect({ command: entry.command, aliases: entry.aliases ?? [], description: entry.description }).toEqual({
      command: handler.name,
      aliases: handler.aliases ?? [],
      description: handler.description,
    });
  });

  it('lists each command word and alias once', () => {
    const words = COMMANDS.flatMap((entry) => [entry.command.split(' ')[0], ...(entry.aliases ?? [])]);
    expect(words.length).toBe(new Set(words).size);
  });
});
