/*
 * LD_PRELOAD shim for crash tests: counts the filesystem steps of one process and kills it with SIGKILL just before
 * a chosen one, so a test can interrupt a command between any two of its steps.
 *
 * Steps (a mkdir of an existing path, an unlink or rmdir of a missing one change nothing and are not counted):
 * rename/renameat/renameat2, unlink/unlinkat, symlink/symlinkat, link/linkat, mkdir/mkdirat, rmdir, and
 * writes to SQLite's `-wal`/`-journal` files (a run of writes to one such file, up to SQLite's next lock change,
 * counts once, so a step lands between two commits of the state database rather than inside one).
 *
 * Environment (read once, then removed so that child processes such as gpg run without the shim):
 *   AHR_SHIM_LOG=FILE      append "N NANOSECONDS op path[ -> path]" for every step (counting mode; the time is
 *                          CLOCK_MONOTONIC, the clock of Node's process.hrtime), and "killed N ..." on a kill
 *   AHR_SHIM_KILL_AT=N     kill before the N-th step (1-based) matching AHR_SHIM_OP and AHR_SHIM_SUFFIX
 *   AHR_SHIM_OP=OP         only count steps of this op (rename, unlink, symlink, link, mkdir, rmdir, write); default all
 *   AHR_SHIM_SUFFIX=TEXT   only count steps whose path (either path of a rename or link) ends with TEXT
 *   AHR_SHIM_KILL_AFTER_NS=N  kill N nanoseconds after the first step, wherever the process is then (random-time
 *                          kills measured from the first step, so Node's start-up time does not blur them)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define MAX_TRACKED_FD 65536

static int log_fd = -1;
static long kill_at = 0;
static long long kill_after_ns = 0;
static int timer_started = 0;
static char op_filter[32];
static char suffix_filter[4096];
static long matched = 0;
static long counted = 0;
/* 1 for file descriptors open on a SQLite -wal or -journal file. */
static unsigned char journal_fd[MAX_TRACKED_FD];
/* The journal fd written last, so a run of writes to one file counts as one step. */
static int last_journal_write = -1;

__attribute__((constructor)) static void init(void) {
  const char *log = getenv("AHR_SHIM_LOG");
  const char *at = getenv("AHR_SHIM_KILL_AT");
  const char *op = getenv("AHR_SHIM_OP");
  const char *suffix = getenv("AHR_SHIM_SUFFIX");
  const char *after = getenv("AHR_SHIM_KILL_AFTER_NS");
  if (after && *after) kill_after_ns = atoll(after);
  if (log && *log) log_fd = (int)syscall(SYS_openat, AT_FDCWD, log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (at && *at) kill_at = atol(at);
  if (op && *op) snprintf(op_filter, sizeof op_filter, "%s", op);
  if (suffix && *suffix) snprintf(suffix_filter, sizeof suffix_filter, "%s", suffix);
  unsetenv("LD_PRELOAD");
  unsetenv("AHR_SHIM_LOG");
  unsetenv("AHR_SHIM_KILL_AT");
  unsetenv("AHR_SHIM_OP");
  unsetenv("AHR_SHIM_SUFFIX");
  unsetenv("AHR_SHIM_KILL_AFTER_NS");
}

/* Any other step ends a run of journal writes. */
static void end_journal_run(void) { __atomic_store_n(&last_journal_write, -1, __ATOMIC_SEQ_CST); }

/* mkdir of an existing directory and unlink or rmdir of a missing path change nothing: they are not steps. */
static int exists(int dir, const char *path) { return path && faccessat(dir, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0; }

static int ends_with(const char *text, const char *suffix) {
  if (!text) return 0;
  size_t length = strlen(text), suffix_length = strlen(suffix);
  return length >= suffix_length && strcmp(text + length - suffix_length, suffix) == 0;
}

static void write_log(const char *line) {
  if (log_fd < 0) return;
  syscall(SYS_write, log_fd, line, strlen(line));
}

static void *kill_later(void *unused) {
  (void)unused;
  struct timespec delay = {kill_after_ns / 1000000000LL, kill_after_ns % 1000000000LL};
  while (nanosleep(&delay, &delay) != 0) {
  }
  write_log("killed by timer\n");
  syscall(SYS_kill, getpid(), SIGKILL);
  return NULL;
}

/* Called before every step; kills the process when it is the chosen one. */
static void step(const char *op, const char *path, const char *second) {
  end_journal_run();
  if (kill_after_ns > 0 && !__atomic_exchange_n(&timer_started, 1, __ATOMIC_SEQ_CST)) {
    pthread_t thread;
    pthread_create(&thread, NULL, kill_later, NULL);
    pthread_detach(thread);
  }
  if (op_filter[0] && strcmp(op, op_filter) != 0) return;
  if (suffix_filter[0] && !ends_with(path, suffix_filter) && !ends_with(second, suffix_filter)) return;
  long number = __atomic_add_fetch(&matched, 1, __ATOMIC_SEQ_CST);
  __atomic_add_fetch(&counted, 1, __ATOMIC_SEQ_CST);
  char line[8400];
  int killing = kill_at > 0 && number == kill_at;
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  snprintf(line, sizeof line, "%s%ld %lld %s %s%s%s\n", killing ? "killed " : "", number,
           (long long)now.tv_sec * 1000000000LL + now.tv_nsec, op, path ? path : "?", second ? " -> " : "",
           second ? second : "");
  if (killing || kill_at == 0) write_log(line);
  if (killing) {
    syscall(SYS_kill, getpid(), SIGKILL);
    for (;;) pause();
  }
}

#define REAL(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

int rename(const char *old, const char *new) {
  step("rename", old, new);
  return REAL(rename)(old, new);
}

int renameat(int olddir, const char *old, int newdir, const char *new) {
  step("rename", old, new);
  return REAL(renameat)(olddir, old, newdir, new);
}

int renameat2(int olddir, const char *old, int newdir, const char *new, unsigned int flags) {
  step("rename", old, new);
  return REAL(renameat2)(olddir, old, newdir, new, flags);
}

int unlink(const char *path) {
  if (exists(AT_FDCWD, path)) step("unlink", path, NULL);
  return REAL(unlink)(path);
}

int unlinkat(int dir, const char *path, int flags) {
  if (exists(dir, path)) step((flags & AT_REMOVEDIR) ? "rmdir" : "unlink", path, NULL);
  return REAL(unlinkat)(dir, path, flags);
}

int symlink(const char *target, const char *path) {
  step("symlink", path, NULL);
  return REAL(symlink)(target, path);
}

int symlinkat(const char *target, int dir, const char *path) {
  step("symlink", path, NULL);
  return REAL(symlinkat)(target, dir, path);
}

int link(const char *old, const char *new) {
  step("link", old, new);
  return REAL(link)(old, new);
}

int linkat(int olddir, const char *old, int newdir, const char *new, int flags) {
  step("link", old, new);
  return REAL(linkat)(olddir, old, newdir, new, flags);
}

int mkdir(const char *path, mode_t mode) {
  if (!exists(AT_FDCWD, path)) step("mkdir", path, NULL);
  return REAL(mkdir)(path, mode);
}

int mkdirat(int dir, const char *path, mode_t mode) {
  if (!exists(dir, path)) step("mkdir", path, NULL);
  return REAL(mkdirat)(dir, path, mode);
}

int rmdir(const char *path) {
  if (exists(AT_FDCWD, path)) step("rmdir", path, NULL);
  return REAL(rmdir)(path);
}

/* Journal tracking: which descriptors are open on a -wal or -journal file. */
static int track(int fd, const char *path) {
  if (fd >= 0 && fd < MAX_TRACKED_FD) journal_fd[fd] = ends_with(path, "-wal") || ends_with(path, "-journal");
  return fd;
}

static mode_t mode_argument(int flags, va_list arguments) {
  return (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(arguments, int) : 0;
}

/* open and openat in their plain and 64-bit forms: the mode argument only exists with O_CREAT or O_TMPFILE. */
#define OPEN_WRAPPER(name, parameters, arguments)                   \
  int name parameters {                                             \
    va_list rest;                                                   \
    va_start(rest, flags);                                          \
    mode_t mode = mode_argument(flags, rest);                       \
    va_end(rest);                                                   \
    return track(REAL(name) arguments, path);                       \
  }

OPEN_WRAPPER(open, (const char *path, int flags, ...), (path, flags, mode))
OPEN_WRAPPER(open64, (const char *path, int flags, ...), (path, flags, mode))
OPEN_WRAPPER(openat, (int dir, const char *path, int flags, ...), (dir, path, flags, mode))
OPEN_WRAPPER(openat64, (int dir, const char *path, int flags, ...), (dir, path, flags, mode))

int close(int fd) {
  if (fd >= 0 && fd < MAX_TRACKED_FD) journal_fd[fd] = 0;
  return REAL(close)(fd);
}

static void journal_write(int fd) {
  if (fd < 0 || fd >= MAX_TRACKED_FD || !journal_fd[fd]) {
    return;
  }
  if (__atomic_load_n(&last_journal_write, __ATOMIC_SEQ_CST) == fd) return;
  char link[64], path[4096];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t length = readlink(link, path, sizeof path - 1);
  path[length > 0 ? length : 0] = '\0';
  step("write", path, NULL);
  __atomic_store_n(&last_journal_write, fd, __ATOMIC_SEQ_CST);
}

ssize_t write(int fd, const void *buffer, size_t count) {
  journal_write(fd);
  return REAL(write)(fd, buffer, count);
}

ssize_t pwrite(int fd, const void *buffer, size_t count, off_t offset) {
  journal_write(fd);
  return REAL(pwrite)(fd, buffer, count, offset);
}

ssize_t pwrite64(int fd, const void *buffer, size_t count, off_t offset) {
  journal_write(fd);
  return REAL(pwrite64)(fd, buffer, count, offset);
}

/* SQLite takes and drops its locks with fcntl between transactions: the next journal write starts a new step. */
#define FCNTL_WRAPPER(name)                                                                              \
  int name(int fd, int command, ...) {                                                                   \
    va_list rest;                                                                                        \
    va_start(rest, command);                                                                             \
    void *argument = va_arg(rest, void *);                                                               \
    va_end(rest);                                                                                        \
    if (command == F_SETLK || command == F_SETLKW || command == F_OFD_SETLK || command == F_OFD_SETLKW) \
      end_journal_run();                                                                                 \
    return REAL(name)(fd, command, argument);                                                            \
  }

FCNTL_WRAPPER(fcntl)
FCNTL_WRAPPER(fcntl64)

int fsync(int fd) {
  if (fd >= 0 && fd < MAX_TRACKED_FD && journal_fd[fd]) end_journal_run();
  return REAL(fsync)(fd);
}

int fdatasync(int fd) {
  if (fd >= 0 && fd < MAX_TRACKED_FD && journal_fd[fd]) end_journal_run();
  return REAL(fdatasync)(fd);
}
