import type { Argv } from 'yargs';
import { UserOperations } from '../core/database/operations/users.js';
import type { RepositoryState } from '../core/repository/state.js';

/** Who runs the command when -u is not given: the user behind sudo/doas, else the login user (as the reference). */
export function defaultUsername(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.SUDO_USER || env.DOAS_USER || env.USER || undefined;
}

export function usernameOption<T>(argv: Argv<T>): Argv<T & { username?: string }> {
  return argv.option('username', {
    alias: 'u',
    type: 'string',
    describe: 'the user whose packager (user-add --packager) signs the builds of this run; default $SUDO_USER, $DOAS_USER or $USER',
  });
}

/**
 * `-u/--username`: the packager id the users table holds for that user, used as PACKAGER of the builds of this run;
 * undefined (keep each package's own or `[build] packager`) when the user is unknown or has none.
 */
export async function packagerOf(state: RepositoryState, username: string | undefined): Promise<string | undefined> {
  const name = username ?? defaultUsername();
  if (!name) return undefined;
  const user = await new UserOperations(state.database).userGet(name);
  return user?.packagerId ?? undefined;
}
