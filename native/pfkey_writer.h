/* PF_KEYv2 message writer: 64-bit aligned extensions and sockaddrs in the target OS's layout. */
#ifndef IKED_PFKEY_WRITER_H
#define IKED_PFKEY_WRITER_H

#include "kernel_spec.h"

#include <string.h>
#include <sys/socket.h>

struct pw {
  uint8_t *buf;
  size_t cap, len;
  int overflow;
};

#define PW_ALIGN8(n) (((n) + 7u) & ~(size_t)7u)

static inline void *pw_ext(struct pw *w, size_t bytes) {
  size_t n = PW_ALIGN8(bytes);
  if (w->overflow || w->len + n > w->cap) {
    w->overflow = 1;
    return NULL;
  }
  void *p = w->buf + w->len;
  memset(p, 0, n);
  w->len += n;
  return p;
}

static inline size_t pw_sockaddr_len(const struct ik_addr *a) { return a->family == AF_INET6 ? 28 : 16; }

/* sockaddr_in / sockaddr_in6 with sa_len (BSD) or without (Linux); family numbers of the target */
static inline void pw_sockaddr(uint8_t *p, const struct ik_addr *a, uint16_t port, int has_len, int af4, int af6) {
  int v6 = a->family == AF_INET6;
  size_t len = v6 ? 28 : 16;
  memset(p, 0, len);
  if (has_len) {
    p[0] = (uint8_t)len;
    p[1] = (uint8_t)(v6 ? af6 : af4);
  } else {
    uint16_t fam = (uint16_t)(v6 ? af6 : af4);
    memcpy(p, &fam, 2); /* host order */
  }
  p[2] = (uint8_t)(port >> 8);
  p[3] = (uint8_t)port;
  if (v6) memcpy(p + 8, a->a, 16);
  else memcpy(p + 4, a->a, 4);
}

/* netmask address of the prefix length, as an ik_addr of the same family */
static inline struct ik_addr pw_mask(const struct ik_addr *a) {
  struct ik_addr m;
  memset(&m, 0, sizeof m);
  m.family = a->family;
  int bits = a->plen;
  for (int i = 0; i < 16 && bits > 0; i++, bits -= 8) m.a[i] = (uint8_t)(bits >= 8 ? 0xff : (0xff << (8 - bits)));
  m.plen = a->family == AF_INET6 ? 128 : 32;
  return m;
}

#endif
