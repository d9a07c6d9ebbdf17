import type { User, UserAccess } from '../../../models/user.js';
import { InvalidInputError } from '../../errors.js';
import type { Database } from '../connection.js';

interface UserRow {
  username: string;
  access: UserAccess;
  password: string;
  packager_id: string | null;
  key_id: string | null;
}

export interface UserFilter {
  username?: string;
  access?: UserAccess;
}

/** Web users, shared by all repositories. User names are case-insensitive and stored lower-case. */
export class UserOperations {
  constructor(private readonly database: Database) {}

  /** Creates the user or replaces everything stored about it. */
  async userUpdate(user: User): Promise<void> {
    const username = normalizeUsername(user.username);
    await this.database.run(
      `save user ${username}`,
      `INSERT INTO users (username, access, password, packager_id, key_id)
       VALUES ($username, $access, $password, $packagerId, $keyId)
       ON CONFLICT (username) DO UPDATE SET
         access = excluded.access, password = excluded.password,
         packager_id = excluded.packager_id, key_id = excluded.key_id`,
      {
        $username: username,
        $access: user.access,
        $password: user.password,
        $packagerId: user.packagerId,
        $keyId: user.keyId,
      },
    );
  }

  async userGet(username: string): Promise<User | undefined> {
    const [user] = await this.userList({ username });
    return user;
  }

  /** Users sorted by name, optionally only the one named or those with exactly the given access. */
  async userList(filter: UserFilter = {}): Promise<User[]> {
    const rows = await this.database.all<UserRow>(
      'list users',
      `SELECT username, access, password, packager_id, key_id FROM users
       WHERE ($username IS NULL OR username = $username) AND ($access IS NULL OR access = $access)
       ORDER BY username`,
      {
        $username: filter.username === undefined ? null : normalizeUsername(filter.username),
        $access: filter.access ?? null,
      },
    );
    return rows.map((row) => ({
      username: row.username,
      access: row.access,
      password: row.password,
      packagerId: row.packager_id,
      keyId: row.key_id,
    }));
  }

  /** Removes the user; returns whether it existed. */
  async userRemove(username: string): Promise<boolean> {
    const name = normalizeUsername(username);
    const { changes } = await this.database.run(`remove user ${name}`, 'DELETE FROM users WHERE username = $username', {
      $username: name,
    });
    return changes > 0;
  }
}

function normalizeUsername(username: string): string {
  const name = username.trim().toLowerCase();
  if (name === '') throw new InvalidInputError('user name must not be empty');
  return name;
}
