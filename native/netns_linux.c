/* Linux network namespaces: open sockets inside another netns (tests, rdomain-like setups). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

int ik_enter_netns(const char *path, int *orig, int *err) {
  *orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (*orig < 0 || fd < 0) {
    *err = errno;
    if (*orig >= 0) close(*orig);
    if (fd >= 0) close(fd);
    *orig = -1;
    return -1;
  }
  int r = setns(fd, CLONE_NEWNET);
  *err = errno;
  close(fd);
  if (r < 0) {
    close(*orig);
    *orig = -1;
    return -1;
  }
  return 0;
}

int ik_leave_netns(int orig) {
  int r = setns(orig, CLONE_NEWNET);
  close(orig);
  return r;
}
