/* Reads KernelSaSpec / KernelFlowSpec-like JS objects into OS-neutral C structs. */
#include "kernel_spec.h"
#include "napi_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int ik_parse_addr(const char *text, struct ik_addr *out) {
  char buf[64];
  memset(out, 0, sizeof *out);
  if (strlen(text) >= sizeof buf) return -1;
  strcpy(buf, text);
  char *slash = strchr(buf, '/');
  int plen = -1;
  if (slash) {
    *slash = 0;
    char *end;
    long p = strtol(slash + 1, &end, 10);
    if (*end || slash[1] == 0 || p < 0 || p > 128) return -1;
    plen = (int)p;
  }
  if (inet_pton(AF_INET, buf, out->a) == 1) {
    out->family = AF_INET;
    if (plen > 32) return -1;
    out->plen = plen < 0 ? 32 : plen;
    return 0;
  }
  if (inet_pton(AF_INET6, buf, out->a) == 1) {
    out->family = AF_INET6;
    out->plen = plen < 0 ? 128 : plen;
    return 0;
  }
  return -1;
}

void ik_format_addr(int family, const void *a, char *out, size_t n) {
  if (!inet_ntop(family, a, out, (socklen_t)n)) snprintf(out, n, "?");
}

int ik_read_addr(napi_env env, napi_value obj, const char *key, struct ik_addr *a, int required) {
  char text[64];
  int r = nu_get_str(env, obj, key, text, sizeof text, required);
  if (r <= 0) return r;
  if (ik_parse_addr(text, a) != 0) {
    nu_throw(env, "property '%s': invalid IP address or prefix '%s'", key, text);
    return -1;
  }
  return 1;
}

int ik_read_proto(napi_env env, napi_value obj, const char *key, int *proto) {
  char p[8];
  if (nu_get_str(env, obj, key, p, sizeof p, 1) < 0) return -1;
  if (!strcmp(p, "esp")) *proto = IK_ESP;
  else if (!strcmp(p, "ah")) *proto = IK_AH;
  else {
    nu_throw(env, "property '%s' must be 'esp' or 'ah', not '%s'", key, p);
    return -1;
  }
  return 0;
}

static int read_mode(napi_env env, napi_value obj, int *tunnel) {
  char m[16];
  if (nu_get_str(env, obj, "mode", m, sizeof m, 1) < 0) return -1;
  if (!strcmp(m, "tunnel")) *tunnel = 1;
  else if (!strcmp(m, "transport")) *tunnel = 0;
  else {
    nu_throw(env, "property 'mode' must be 'tunnel' or 'transport', not '%s'", m);
    return -1;
  }
  return 0;
}

/* { name?, id?, key, keyBits?, bits? } */
static int read_alg(napi_env env, napi_value obj, const char *key, struct ik_alg *alg) {
  napi_value v;
  int r = nu_get_prop(env, obj, key, &v);
  if (r <= 0) return r;
  alg->present = 1;
  if (nu_get_str(env, v, "name", alg->name, sizeof alg->name, 0) < 0) return -1;
  if (nu_get_u32(env, v, "id", &alg->id, 0) < 0) return -1;
  if (nu_get_buf(env, v, "key", alg->key, sizeof alg->key, &alg->keylen, 0) < 0) return -1;
  alg->keybits = (uint32_t)alg->keylen * 8;
  if (nu_get_u32(env, v, "keyBits", &alg->keybits, 0) < 0) return -1;
  if (nu_get_u32(env, v, "bits", &alg->bits, 0) < 0) return -1;
  return 1;
}

int ik_read_sa_spec(napi_env env, napi_value obj, struct ik_sa_spec *sa) {
  memset(sa, 0, sizeof *sa);
  if (ik_read_proto(env, obj, "protocol", &sa->proto) < 0) return -1;
  if (read_mode(env, obj, &sa->tunnel) < 0) return -1;
  if (ik_read_addr(env, obj, "src", &sa->src, 1) < 0) return -1;
  if (ik_read_addr(env, obj, "dst", &sa->dst, 1) < 0) return -1;
  if (sa->src.family != sa->dst.family) {
    nu_throw(env, "SA src and dst must be of the same address family");
    return -1;
  }
  if (nu_get_u32(env, obj, "spi", &sa->spi, 1) < 0) return -1;
  if (nu_get_u32(env, obj, "reqid", &sa->reqid, 0) < 0) return -1;
  if (read_alg(env, obj, "aead", &sa->aead) < 0) return -1;
  if (read_alg(env, obj, "enc", &sa->enc) < 0) return -1;
  if (read_alg(env, obj, "auth", &sa->auth) < 0) return -1;
  if (nu_get_bool(env, obj, "esn", &sa->esn, 0) < 0) return -1;
  if (nu_get_u32(env, obj, "replayWindow", &sa->replay, 0) < 0) return -1;
  napi_value lt;
  int r = nu_get_prop(env, obj, "lifetime", &lt);
  if (r < 0) return -1;
  if (r > 0) {
    if (nu_get_u64(env, lt, "softSeconds", &sa->soft_s, 0) < 0) return -1;
    if (nu_get_u64(env, lt, "hardSeconds", &sa->hard_s, 0) < 0) return -1;
    if (nu_get_u64(env, lt, "softBytes", &sa->soft_b, 0) < 0) return -1;
    if (nu_get_u64(env, lt, "hardBytes", &sa->hard_b, 0) < 0) return -1;
  }
  napi_value enc;
  r = nu_get_prop(env, obj, "encap", &enc);
  if (r < 0) return -1;
  if (r > 0) {
    uint32_t sp = 0, dp = 0;
    if (nu_get_u32(env, enc, "sport", &sp, 1) < 0 || nu_get_u32(env, enc, "dport", &dp, 1) < 0) return -1;
    if (sp > 65535 || dp > 65535) {
      nu_throw(env, "encap ports must be 0..65535");
      return -1;
    }
    sa->encap = 1;
    sa->sport = (uint16_t)sp;
    sa->dport = (uint16_t)dp;
  }
  napi_value sel;
  r = nu_get_prop(env, obj, "selector", &sel);
  if (r < 0) return -1;
  if (r > 0) {
    uint32_t p = 0;
    sa->has_sel = 1;
    if (ik_read_addr(env, sel, "src", &sa->sel_src, 1) < 0) return -1;
    if (ik_read_addr(env, sel, "dst", &sa->sel_dst, 1) < 0) return -1;
    if (nu_get_u32(env, sel, "proto", &p, 0) < 0) return -1;
    sa->sel_proto = (int)p;
  }
  return 0;
}

int ik_read_flow_spec(napi_env env, napi_value obj, struct ik_flow_spec *f) {
  memset(f, 0, sizeof *f);
  char dir[8];
  if (nu_get_str(env, obj, "dir", dir, sizeof dir, 1) < 0) return -1;
  if (!strcmp(dir, "in")) f->dir = IK_DIR_IN;
  else if (!strcmp(dir, "out")) f->dir = IK_DIR_OUT;
  else if (!strcmp(dir, "fwd")) f->dir = IK_DIR_FWD;
  else {
    nu_throw(env, "property 'dir' must be 'in', 'out' or 'fwd', not '%s'", dir);
    return -1;
  }
  if (ik_read_addr(env, obj, "src", &f->src, 1) < 0) return -1;
  if (ik_read_addr(env, obj, "dst", &f->dst, 1) < 0) return -1;
  if (f->src.family != f->dst.family) {
    nu_throw(env, "flow src and dst must be of the same address family");
    return -1;
  }
  uint32_t v = 0;
  if (nu_get_u32(env, obj, "proto", &v, 0) < 0) return -1;
  f->proto = (int)v;
  v = 0;
  if (nu_get_u32(env, obj, "sport", &v, 0) < 0) return -1;
  f->sport = (uint16_t)v;
  v = 0;
  if (nu_get_u32(env, obj, "dport", &v, 0) < 0) return -1;
  f->dport = (uint16_t)v;
  if (ik_read_addr(env, obj, "tunnelSrc", &f->tsrc, 1) < 0) return -1;
  if (ik_read_addr(env, obj, "tunnelDst", &f->tdst, 1) < 0) return -1;
  if (ik_read_proto(env, obj, "protocol", &f->sa_proto) < 0) return -1;
  if (read_mode(env, obj, &f->tunnel) < 0) return -1;
  if (nu_get_u32(env, obj, "reqid", &f->reqid, 0) < 0) return -1;
  if (nu_get_u32(env, obj, "priority", &f->priority, 0) < 0) return -1;
  return 0;
}
