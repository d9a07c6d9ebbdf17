import path from 'node:path';
import type { Argv } from 'yargs';
import type { Configuration } from '../../core/configuration/configuration.js';
import { Database } from '../../core/database/connection.js';
import { UserOperations } from '../../core/database/operations/users.js';
import { InvalidInputError } from '../../core/errors.js';
import { getLogger } from '../../core/log/logger.js';
import { USER_ACCESS_LEVELS, type UserAccess } from '../../models/user.js';
import { SYSTEM_WIDE, systemHandler } from '../handler.js';
import { print, printJson } from '../printer.js';

const logger = getLogger('users');

/** Users are shared by all repositories, in the one state database under the repository root. */
async function withUsers<T>(configuration: Configuration, work: (users: UserOperations) => Promise<T>): Promise<T> {
  const file = configuration.getPath('settings', 'database', path.join(configuration.getPath('repository', 'root'), 'ahriman.db'));
  const database = await Database.open(file, { migrate: configuration.getBool('settings', 'apply_migrations', true) });
  try {
    return await work(new UserOperations(database));
  } finally {
    await database.close();
  }
}

/** Asks twice without echo (npm's `read`), as the reference does, so a typo is not stored. */
async function promptPassword(): Promise<string> {
  const { read } = await import('read');
  const first = await read({ prompt: 'password: ', silent: true, output: process.stderr });
  const second = await read({ prompt: 'repeat password: ', silent: true, output: process.stderr });
  if (first !== second) throw new InvalidInputError('the passwords do not match');
  return first;
}

export const userAdd = systemHandler({
  name: 'user-add <username>',
  description: 'create or update a web user (the password is prompted for when -p is not given)',
  mode: SYSTEM_WIDE,
  options: (argv: Argv) =>
    argv
      .positional('username', { type: 'string', demandOption: true, describe: 'user name (case-insensitive)' })
      .option('password', { alias: 'p', type: 'string', describe: 'password; empty: no password login (OAuth users)' })
      .option('role', { alias: 'R', choices: USER_ACCESS_LEVELS, default: 'read' as UserAccess, describe: 'access level' })
      .option('packager', { type: 'string', describe: 'packager "Name <email>" of packages this user asks for' })
      .option('key', { type: 'string', describe: 'PGP key signing packages this user asks for' }),
  async run({ configuration }, args) {
    const config = configuration();
    const password = args.password ?? (await promptPassword());
    const { hashPassword } = await import('../../core/auth/passwords.js');
    const hash = password === '' ? '' : await hashPassword(password, config.getString('auth', 'salt', ''));
    await withUsers(config, (users) =>
      users.userUpdate({ username: args.username, access: args.role, password: hash, packagerId: args.packager ?? null, keyId: args.key ?? null }),
    );
    logger.info(`user ${args.username.toLowerCase()} saved with ${args.role} access`);
  },
});

export const userList = systemHandler({
  name: 'user-list [username]',
  description: 'list web users and their access (never their password hashes)',
  mode: SYSTEM_WIDE,
  options: (argv: Argv) =>
    argv
      .positional('username', { type: 'string', describe: 'only this user' })
      .option('role', { alias: 'R', choices: USER_ACCESS_LEVELS, describe: 'only users with this access' })
      .option('exit-code', { alias: 'e', type: 'boolean', default: false, describe: 'exit 1 when no user is printed' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
  async run({ configuration, output }, args) {
    const users = await withUsers(configuration(), (operations) =>
      operations.userList({ ...(args.username ? { username: args.username } : {}), ...(args.role ? { access: args.role } : {}) }),
    );
    const shown = users.map(({ password, ...user }) => ({ ...user, hasPassword: password !== '' }));
    if (args.json) printJson(output, shown);
    else if (shown.length > 0) print(output, shown.map((user) => `${user.username} (${user.access})${user.packagerId ? ` ${user.packagerId}` : ''}`).join('\n'));
    return args.exitCode && users.length === 0 ? 1 : 0;
  },
});

export const userRemove = systemHandler({
  name: 'user-remove <username>',
  description: 'remove a web user',
  mode: SYSTEM_WIDE,
  options: (argv: Argv) =>
    argv.positional('username', { type: 'string', demandOption: true, describe: 'user name' }),
  async run({ configuration }, args) {
    if (!(await withUsers(configuration(), (users) => users.userRemove(args.username)))) {
      throw new InvalidInputError(`no user ${args.username.toLowerCase()}`);
    }
    logger.info(`user ${args.username.toLowerCase()} removed`);
  },
});
