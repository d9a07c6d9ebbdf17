/*
 * Compares many version pairs with the real libalpm in one process (spawning `vercmp` per pair is far too slow for
 * property tests). Reads NUL-terminated strings from stdin, two per pair, and writes one character per pair to
 * stdout: '<', '=' or '>' for the sign of alpm_pkg_vercmp(first, second).
 *
 * No setlocale() call: like the vercmp binary, this runs in the C locale.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>

/* Declared here because Debian ships libalpm without its header. */
int alpm_pkg_vercmp(const char *a, const char *b);

int main(void) {
	char *first = NULL;
	char *second = NULL;
	size_t first_capacity = 0;
	size_t second_capacity = 0;

	while (getdelim(&first, &first_capacity, '\0', stdin) > 0) {
		if (getdelim(&second, &second_capacity, '\0', stdin) <= 0) {
			fputs("native-vercmp: odd number of versions on stdin\n", stderr);
			return 2;
		}
		int result = alpm_pkg_vercmp(first, second);
		putchar(result < 0 ? '<' : result > 0 ? '>' : '=');
	}
	free(first);
	free(second);
	return ferror(stdin) ? 1 : 0;
}
