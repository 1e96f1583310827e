/*
 * KAME PF_KEYv2 (FreeBSD <net/pfkeyv2.h> + <netipsec/ipsec.h>) subset, for
 * compiling pfkey_kame.c on Linux against the FreeBSD layout (tests).
 */
#ifndef IKED_COMPAT_KAME_PFKEYV2_H
#define IKED_COMPAT_KAME_PFKEYV2_H
#include "pfkeyv2_common.h"

#define SADB_X_PROMISC 11
#define SADB_X_PCHANGE 12
#define SADB_X_SPDUPDATE 13
#define SADB_X_SPDADD 14
#define SADB_X_SPDDELETE 15
#define SADB_X_SPDGET 16
#define SADB_X_SPDDELETE2 22

#define SADB_EXT_SPIRANGE 16
#define SADB_X_EXT_KMPRIVATE 17
#define SADB_X_EXT_POLICY 18
#define SADB_X_EXT_SA2 19
#define SADB_X_EXT_NAT_T_TYPE 20
#define SADB_X_EXT_NAT_T_SPORT 21
#define SADB_X_EXT_NAT_T_DPORT 22
#define SADB_X_EXT_NAT_T_OAI 23
#define SADB_X_EXT_NAT_T_OAR 24
#define SADB_X_EXT_NAT_T_FRAG 25
#define SADB_X_EXT_SA_REPLAY 26

struct sadb_address {
  uint16_t sadb_address_len;
  uint16_t sadb_address_exttype;
  uint8_t sadb_address_proto;
  uint8_t sadb_address_prefixlen;
  uint16_t sadb_address_reserved;
};
struct sadb_x_policy {
  uint16_t sadb_x_policy_len;
  uint16_t sadb_x_policy_exttype;
  uint16_t sadb_x_policy_type;
  uint8_t sadb_x_policy_dir;
  uint8_t sadb_x_policy_scope;
  uint32_t sadb_x_policy_id;
  uint32_t sadb_x_policy_priority;
};
struct sadb_x_ipsecrequest {
  uint16_t sadb_x_ipsecrequest_len; /* bytes, incl. the addresses */
  uint16_t sadb_x_ipsecrequest_proto;
  uint8_t sadb_x_ipsecrequest_mode;
  uint8_t sadb_x_ipsecrequest_level;
  uint16_t sadb_x_ipsecrequest_reqid;
};
struct sadb_x_sa2 {
  uint16_t sadb_x_sa2_len;
  uint16_t sadb_x_sa2_exttype;
  uint8_t sadb_x_sa2_mode;
  uint8_t sadb_x_sa2_reserved1;
  uint16_t sadb_x_sa2_reserved2;
  uint32_t sadb_x_sa2_sequence;
  uint32_t sadb_x_sa2_reqid;
};
struct sadb_x_nat_t_type {
  uint16_t sadb_x_nat_t_type_len;
  uint16_t sadb_x_nat_t_type_exttype;
  uint8_t sadb_x_nat_t_type_type;
  uint8_t sadb_x_nat_t_type_reserved[3];
};
struct sadb_x_nat_t_port {
  uint16_t sadb_x_nat_t_port_len;
  uint16_t sadb_x_nat_t_port_exttype;
  uint16_t sadb_x_nat_t_port_port;
  uint16_t sadb_x_nat_t_port_reserved;
};
struct sadb_x_sa_replay {
  uint16_t sadb_x_sa_replay_len;
  uint16_t sadb_x_sa_replay_exttype;
  uint32_t sadb_x_sa_replay_replay; /* in packets */
};

/* <netipsec/ipsec.h> */
#define IPSEC_MODE_ANY 0
#define IPSEC_MODE_TRANSPORT 1
#define IPSEC_MODE_TUNNEL 2
#define IPSEC_DIR_INBOUND 1
#define IPSEC_DIR_OUTBOUND 2
#define IPSEC_POLICY_IPSEC 2
#define IPSEC_LEVEL_REQUIRE 2
#define IPSEC_LEVEL_UNIQUE 3
#define IPSEC_ULPROTO_ANY 255
#define UDP_ENCAP_ESPINUDP 2

#define IKC_SOCKADDR_HAS_LEN 1
#define IKC_AF_INET 2
#define IKC_AF_INET6 28 /* FreeBSD */
#define IKC_HAVE_SA_REPLAY 1
#endif
