/** Access levels of web users, weakest first: a level permits everything the levels before it permit. */
export const USER_ACCESS_LEVELS = ['unauthorized', 'read', 'reporter', 'full'] as const;
export type UserAccess = (typeof USER_ACCESS_LEVELS)[number];

export interface User {
  /** Always lower-case: names are compared case-insensitively. */
  username: string;
  access: UserAccess;
  /** Password hash, or empty for users that cannot log in with a password (e.g. OAuth only). */
  password: string;
  /** `Name <email>` written as the packager of packages this user asks to build. */
  packagerId: string | null;
  /** PGP key used to sign packages this user asks to build. */
  keyId: string | null;
}

export function accessPermits(granted: UserAccess, required: UserAccess): boolean {
  return USER_ACCESS_LEVELS.indexOf(granted) >= USER_ACCESS_LEVELS.indexOf(required);
}
