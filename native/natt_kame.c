/*
 * KAME (FreeBSD, NetBSD, macOS) socket options for the IKE sockets.
 *   udpEncapSocketOption(fd): setsockopt(IPPROTO_UDP, UDP_ENCAP, UDP_ENCAP_ESPINUDP)
 *   socketBypass(fd, family): IP_IPSEC_POLICY / IPV6_IPSEC_POLICY with a "bypass"
 *     sadb_x_policy for both directions (as racoon / charon do).
 */
#include "compat/pfkey_kame_os.h"
#include "napi_util.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/socket.h>

#ifndef UDP_ENCAP
#define UDP_ENCAP 1
#endif
#ifndef IPSEC_POLICY_BYPASS
#define IPSEC_POLICY_BYPASS 4
#endif

static napi_value n_udp_encap(napi_env env, napi_callback_info info) {
  int32_t fd, family;
  if (nu_socket_args(env, info, &fd, &family) < 0) return NULL;
  int type = UDP_ENCAP_ESPINUDP;
  if (setsockopt(fd, IPPROTO_UDP, UDP_ENCAP, &type, sizeof type) < 0)
    return napi_throw(env, nu_make_errno_error(env, "setsockopt(UDP_ENCAP, UDP_ENCAP_ESPINUDP)", errno)), NULL;
  return nu_undefined(env);
}

static napi_value n_bypass(napi_env env, napi_callback_info info) {
  int32_t fd, family;
  if (nu_socket_args(env, info, &fd, &family) < 0) return NULL;
  for (int dir = IPSEC_DIR_INBOUND; dir <= IPSEC_DIR_OUTBOUND; dir++) {
    struct sadb_x_policy p;
    memset(&p, 0, sizeof p);
    p.sadb_x_policy_len = sizeof p / 8;
    p.sadb_x_policy_exttype = SADB_X_EXT_POLICY;
    p.sadb_x_policy_type = IPSEC_POLICY_BYPASS;
    p.sadb_x_policy_dir = (uint8_t)dir;
    int r = family == 6 ? setsockopt(fd, IPPROTO_IPV6, IPV6_IPSEC_POLICY, &p, sizeof p)
                        : setsockopt(fd, IPPROTO_IP, IP_IPSEC_POLICY, &p, sizeof p);
    if (r < 0) return napi_throw(env, nu_make_errno_error(env, "setsockopt(IP_IPSEC_POLICY bypass)", errno)), NULL;
  }
  return nu_undefined(env);
}

void ik_register_natt(napi_env env, napi_value exports) {
  nu_export(env, exports, "udpEncapSocketOption", n_udp_encap);
  nu_export(env, exports, "socketBypass", n_bypass);
}
