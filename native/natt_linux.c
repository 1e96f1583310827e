/*
 * Linux socket options for the IKE sockets:
 *   udpEncapSocketOption(fd)  -- UDP_ENCAP_ESPINUDP (RFC 3948): the kernel takes ESP
 *                                packets off the NAT-T socket; IKE packets (non-ESP
 *                                marker) still reach the daemon.
 *   socketBypass(fd, family)  -- per-socket XFRM policy "allow" both ways, so IKE
 *                                packets never get caught by our own IPsec policies.
 * The daemon gets fd from a bound dgram socket: (sock as any)._handle.fd (Unix).
 */
#include "napi_util.h"

#include <errno.h>
#include <linux/udp.h>
#include <linux/xfrm.h>
#include <linux/in6.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#ifndef UDP_ENCAP
#define UDP_ENCAP 100
#endif
#ifndef UDP_ENCAP_ESPINUDP
#define UDP_ENCAP_ESPINUDP 2
#endif
#ifndef IP_XFRM_POLICY
#define IP_XFRM_POLICY 17
#endif
#ifndef IPV6_XFRM_POLICY
#define IPV6_XFRM_POLICY 35
#endif

static napi_value n_udp_encap(napi_env env, napi_callback_info info) {
  int32_t fd;
  if (nu_socket_args(env, info, &fd, NULL) < 0) return NULL;
  int type = UDP_ENCAP_ESPINUDP;
  if (setsockopt(fd, IPPROTO_UDP, UDP_ENCAP, &type, sizeof type) < 0) {
    napi_throw(env, nu_make_errno_error(env, "setsockopt(UDP_ENCAP, UDP_ENCAP_ESPINUDP)", errno));
    return NULL;
  }
  return nu_undefined(env);
}

static napi_value n_bypass(napi_env env, napi_callback_info info) {
  int32_t fd, family;
  if (nu_socket_args(env, info, &fd, &family) < 0) return NULL;
  for (int dir = XFRM_POLICY_IN; dir <= XFRM_POLICY_OUT; dir++) {
    struct xfrm_userpolicy_info p;
    memset(&p, 0, sizeof p);
    p.action = XFRM_POLICY_ALLOW;
    p.sel.family = family == 6 ? AF_INET6 : AF_INET;
    p.dir = (uint8_t)dir;
    p.lft.soft_byte_limit = p.lft.hard_byte_limit = XFRM_INF;
    p.lft.soft_packet_limit = p.lft.hard_packet_limit = XFRM_INF;
    int r = family == 6 ? setsockopt(fd, IPPROTO_IPV6, IPV6_XFRM_POLICY, &p, sizeof p)
                        : setsockopt(fd, IPPROTO_IP, IP_XFRM_POLICY, &p, sizeof p);
    if (r < 0) {
      napi_throw(env, nu_make_errno_error(env, family == 6 ? "setsockopt(IPV6_XFRM_POLICY)" : "setsockopt(IP_XFRM_POLICY)",
                                          errno));
      return NULL;
    }
  }
  return nu_undefined(env);
}

void ik_register_natt(napi_env env, napi_value exports) {
  nu_export(env, exports, "udpEncapSocketOption", n_udp_encap);
  nu_export(env, exports, "socketBypass", n_bypass);
}
