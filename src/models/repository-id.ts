import { InvalidInputError } from './errors.js';

const NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._+-]*$/;

/** A repository is identified by its architecture and name; the id `<arch>-<name>` scopes database rows and locks. */
export class RepositoryId {
  constructor(
    readonly architecture: string,
    readonly name: string,
  ) {
    for (const [what, value] of [
      ['architecture', architecture],
      ['repository name', name],
    ] as const) {
      if (!NAME_PATTERN.test(value)) {
        throw new InvalidInputError(`invalid ${what} '${value}': use letters, digits and . _ + - (not first)`);
      }
    }
  }

  get id(): string {
    return `${this.architecture}-${this.name}`;
  }

  /**
   * Parses the systemd instance form: `arch-repo` or `arch/repo`. The first token is the architecture, the rest
   * (dashes kept) is the repository name.
   */
  static parse(instance: string): RepositoryId {
    const separator = instance.includes('/') ? '/' : '-';
    const index = instance.indexOf(separator);
    if (index <= 0 || index === instance.length - 1) {
      throw new InvalidInputError(`invalid repository id '${instance}': expected <architecture>-<repository>`);
    }
    return new RepositoryId(instance.slice(0, index), instance.slice(index + 1));
  }

  equals(other: RepositoryId): boolean {
    return this.architecture === other.architecture && this.name === other.name;
  }

  toString(): string {
    return this.id;
  }

  static compare(left: RepositoryId, right: RepositoryId): number {
    return left.name.localeCompare(right.name) || left.architecture.localeCompare(right.architecture);
  }
}
