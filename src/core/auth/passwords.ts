import bcrypt from 'bcryptjs';

// bcrypt (bcryptjs: pure JavaScript, hashes interchangeable with the reference's python-bcrypt) of the password
// followed by `[auth] salt`. The reference accepts these prefixes only.
const BCRYPT_PREFIX = /^\$2[abxy]?\$/;
const ROUNDS = 12;

export function hashPassword(password: string, salt: string): Promise<string> {
  return bcrypt.hash(password + salt, ROUNDS);
}

/** Whether `password` matches `hash`; an empty or non-bcrypt hash never matches (e.g. OAuth-only users). */
export async function checkPassword(password: string, salt: string, hash: string): Promise<boolean> {
  if (!BCRYPT_PREFIX.test(hash)) return false;
  // python-bcrypt writes `$2b$`; bcryptjs reads `$2a$`/`$2b$`/`$2y$`, and the old `$2$`/`$2x$` forms are the same cipher
  const normalized = hash.replace(/^\$2x?\$/, '$2a$');
  return bcrypt.compare(password + salt, normalized);
}
