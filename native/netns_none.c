/* Systems without Linux network namespaces: a netns path is an error. */
#include <errno.h>

int ik_enter_netns(const char *path, int *orig, int *err) {
  (void)path;
  *orig = -1;
  *err = EOPNOTSUPP;
  return -1;
}

int ik_leave_netns(int orig) {
  (void)orig;
  return 0;
}
