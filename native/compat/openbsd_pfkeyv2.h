/*
 * OpenBSD <net/pfkeyv2.h> and <netinet/ip_ipsp.h> subset (values as in
 * OpenBSD 7.x), for compiling pfkey_openbsd.c on other systems.
 * OpenBSD differs from RFC 2367: SADB_SATYPE_AH = 1, SADB_SATYPE_ESP = 2,
 * flows (SADB_X_ADDFLOW/DELFLOW) instead of KAME's SPD messages.
 */
#ifndef IKED_COMPAT_OPENBSD_PFKEYV2_H
#define IKED_COMPAT_OPENBSD_PFKEYV2_H
#include "pfkeyv2_common.h"

#undef SADB_SATYPE_AH
#undef SADB_SATYPE_ESP
#define SADB_SATYPE_AH 1
#define SADB_SATYPE_ESP 2

#define SADB_X_PROMISC 11
#define SADB_X_ADDFLOW 12
#define SADB_X_DELFLOW 13

#define SADB_EXT_SPIRANGE 16
#define SADB_X_EXT_SRC_MASK 17
#define SADB_X_EXT_DST_MASK 18
#define SADB_X_EXT_PROTOCOL 19
#define SADB_X_EXT_FLOW_TYPE 20
#define SADB_X_EXT_SRC_FLOW 21
#define SADB_X_EXT_DST_FLOW 22
#define SADB_X_EXT_UDPENCAP 31
#define SADB_X_EXT_COUNTER 36
#define SADB_X_EXT_REPLAY 39

#define SADB_X_SAFLAGS_TUNNEL 0x004
#define SADB_X_SAFLAGS_UDPENCAP 0x200
#define SADB_X_SAFLAGS_ESN 0x400

#define SADB_X_FLOW_TYPE_USE 1
#define SADB_X_FLOW_TYPE_ACQUIRE 2
#define SADB_X_FLOW_TYPE_REQUIRE 3
#define SADB_X_FLOW_TYPE_BYPASS 4
#define SADB_X_FLOW_TYPE_DENY 5
#define SADB_X_FLOW_TYPE_DONTACQ 6

/* <netinet/ip_ipsp.h> */
#define IPSP_DIRECTION_IN 0x1
#define IPSP_DIRECTION_OUT 0x2

struct sadb_address {
  uint16_t sadb_address_len;
  uint16_t sadb_address_exttype;
  uint32_t sadb_address_reserved;
};
struct sadb_protocol {
  uint16_t sadb_protocol_len;
  uint16_t sadb_protocol_exttype;
  uint8_t sadb_protocol_proto;
  uint8_t sadb_protocol_direction;
  uint8_t sadb_protocol_flags;
  uint8_t sadb_protocol_reserved2;
};
struct sadb_x_udpencap {
  uint16_t sadb_x_udpencap_len;
  uint16_t sadb_x_udpencap_exttype;
  uint16_t sadb_x_udpencap_port;
  uint16_t sadb_x_udpencap_reserved;
};
struct sadb_x_counter {
  uint16_t sadb_x_counter_len;
  uint16_t sadb_x_counter_exttype;
  uint32_t sadb_x_counter_pad;
  uint64_t sadb_x_counter_ipackets;
  uint64_t sadb_x_counter_opackets;
  uint64_t sadb_x_counter_ibytes;
  uint64_t sadb_x_counter_obytes;
  uint64_t sadb_x_counter_idrops;
  uint64_t sadb_x_counter_odrops;
  uint64_t sadb_x_counter_idecompbytes;
  uint64_t sadb_x_counter_ouncompbytes;
};

/* BSD sockaddrs carry a length byte; OpenBSD's AF_INET6 is 24 */
#define IKC_SOCKADDR_HAS_LEN 1
#define IKC_AF_INET 2
#define IKC_AF_INET6 24
#endif
