# shellcheck shell=bash
greet() {
  printf 'Hello from %s, built by ahriman.\n' "$1"
}
