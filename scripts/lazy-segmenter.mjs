/**
 * Stands in for `Intl.Segmenter` inside the CLI bundle (scripts/bundle-cli.mjs). The string-width modules that yargs
 * and cliui use each construct a segmenter when they are imported, and constructing one loads ICU's break data:
 * about 25 ms of every start, though only help output ever measures a string. This one constructs the real
 * segmenter on its first use. (`globalThis.Intl` is written out so the bundler's substitution leaves it alone.)
 */
export class LazySegmenter {
  #options;
  #segmenter;

  constructor(...options) {
    this.#options = options;
  }

  #real() {
    this.#segmenter ??= new globalThis.Intl.Segmenter(...this.#options);
    return this.#segmenter;
  }

  segment(input) {
    return this.#real().segment(input);
  }

  resolvedOptions() {
    return this.#real().resolvedOptions();
  }
}
