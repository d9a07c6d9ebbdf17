/** Files of a built package base that link to other packages: file path mapped to the package names it needs. */
export interface Dependencies {
  paths: Record<string, string[]>;
}
