import { lookupUser, run, type SystemUser } from '../process.js';

/** As root, `su` would let anybody in without asking (pam_rootok): it is asked as this account instead. */
const NOBODY: SystemUser = { name: 'nobody', uid: 65534, gid: 65534, home: '/' };
const SU_TIMEOUT_MS = 30_000;
/** A login name as shadow-utils accepts it; refusing anything else keeps a name from reading as an option of su. */
const SYSTEM_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$/;

export function isSystemUserName(username: string): boolean {
  return SYSTEM_NAME.test(username);
}

/**
 * Whether the password is the system user's, checked as the reference does: `su --command true - <user>` with the
 * password on its stdin, so PAM decides with whatever stack the host has (unix, LDAP, lockouts).
 */
export async function checkSystemPassword(username: string, password: string): Promise<boolean> {
  if (!isSystemUserName(username) || password.includes('\n')) return false;
  const result = await run('su', ['--command', 'true', '-', username], {
    input: `${password}\n`,
    user: NOBODY,
    allowFailure: true,
    timeoutMs: SU_TIMEOUT_MS,
  });
  return result.code === 0;
}

/** The groups of a system user (primary and supplementary, through NSS); none for an unknown user. */
export async function systemGroups(username: string): Promise<string[]> {
  if (!isSystemUserName(username)) return [];
  const result = await run('id', ['--groups', '--name', '--', username], { allowFailure: true });
  return result.code === 0 ? result.stdout.trim().split(/\s+/) : [];
}

/** Whether the name is root or another account with its uid (an alias such as `toor` is root all the same). */
export async function isSuperuser(username: string): Promise<boolean> {
  if (username === 'root') return true;
  if (!isSystemUserName(username)) return false;
  try {
    return (await lookupUser(username)).uid === 0;
  } catch {
    return false;
  }
}
