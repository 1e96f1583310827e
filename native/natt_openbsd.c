/*
 * OpenBSD socket options for the IKE sockets.
 *   udpEncapSocketOption(fd): OpenBSD decapsulates ESP-in-UDP on the port set by
 *     sysctl net.inet.esp.udpencap_port (default 4500) when net.inet.esp.udpencap=1;
 *     no per-socket option exists, so this only checks that fd is a socket.
 *   socketBypass(fd, family): IP_ESP_TRANS_LEVEL / IP_ESP_NETWORK_LEVEL / IP_AUTH_LEVEL
 *     = IPSEC_LEVEL_BYPASS (as iked does for its own sockets).
 */
#include "napi_util.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>

#ifndef IP_AUTH_LEVEL
#define IP_AUTH_LEVEL 20
#define IP_ESP_TRANS_LEVEL 21
#define IP_ESP_NETWORK_LEVEL 22
#define IPV6_AUTH_LEVEL 53
#define IPV6_ESP_TRANS_LEVEL 54
#define IPV6_ESP_NETWORK_LEVEL 55
#define IPSEC_LEVEL_BYPASS 0x00
#endif

static napi_value n_udp_encap(napi_env env, napi_callback_info info) {
  int32_t fd, family;
  if (nu_socket_args(env, info, &fd, &family) < 0) return NULL;
  int type;
  socklen_t l = sizeof type;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l) < 0)
    return napi_throw(env, nu_make_errno_error(env, "getsockopt(SO_TYPE)", errno)), NULL;
  return nu_undefined(env);
}

static napi_value n_bypass(napi_env env, napi_callback_info info) {
  int32_t fd, family;
  if (nu_socket_args(env, info, &fd, &family) < 0) return NULL;
  int level = IPSEC_LEVEL_BYPASS;
  int opts4[] = {IP_AUTH_LEVEL, IP_ESP_TRANS_LEVEL, IP_ESP_NETWORK_LEVEL};
  int opts6[] = {IPV6_AUTH_LEVEL, IPV6_ESP_TRANS_LEVEL, IPV6_ESP_NETWORK_LEVEL};
  for (int i = 0; i < 3; i++) {
    int r = family == 6 ? setsockopt(fd, IPPROTO_IPV6, opts6[i], &level, sizeof level)
                        : setsockopt(fd, IPPROTO_IP, opts4[i], &level, sizeof level);
    if (r < 0) return napi_throw(env, nu_make_errno_error(env, "setsockopt(IPSEC_LEVEL_BYPASS)", errno)), NULL;
  }
  return nu_undefined(env);
}

void ik_register_natt(napi_env env, napi_value exports) {
  nu_export(env, exports, "udpEncapSocketOption", n_udp_encap);
  nu_export(env, exports, "socketBypass", n_bypass);
}
