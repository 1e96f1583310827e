/*
 * Selects the KAME PF_KEYv2 definitions: FreeBSD/NetBSD/macOS system headers,
 * Linux's own (af_key speaks the KAME dialect, sockaddrs without sa_len),
 * or compat/ (FreeBSD layout) when IKED_PFKEY_COMPAT is defined.
 */
#ifndef IKED_PFKEY_KAME_OS_H
#define IKED_PFKEY_KAME_OS_H
#if defined(IKED_PFKEY_COMPAT)
#include "kame_pfkeyv2.h"
#define IKC_REPLAY_UNIT 8 /* sadb_sa_replay counts bytes of bitmap on BSD */
#define IKC_DIR_FWD 0
#define IKC_SET_POLICY_PRIORITY(p, v) ((p)->sadb_x_policy_priority = (v))
#elif defined(__linux__)
#include <stdint.h>
#include <sys/socket.h>
#include <linux/pfkeyv2.h>
#include <linux/ipsec.h>
#ifndef UDP_ENCAP_ESPINUDP
#define UDP_ENCAP_ESPINUDP 2
#endif
#define IKC_SOCKADDR_HAS_LEN 0
#define IKC_AF_INET AF_INET
#define IKC_AF_INET6 AF_INET6
#define IKC_REPLAY_UNIT 1 /* af_key: sadb_sa_replay counts packets */
#define IKC_DIR_FWD IPSEC_DIR_FWD
#define IKC_SET_POLICY_PRIORITY(p, v) ((p)->sadb_x_policy_priority = (v))
#elif defined(__APPLE__)
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <net/pfkeyv2.h>
#include <netinet6/ipsec.h>
#define IKC_SOCKADDR_HAS_LEN 1
#define IKC_AF_INET AF_INET
#define IKC_AF_INET6 AF_INET6
#define IKC_REPLAY_UNIT 8
#define IKC_DIR_FWD 0
#define IKC_SET_POLICY_PRIORITY(p, v) ((void)(p), (void)(v)) /* no priorities in macOS PF_KEY */
#else /* FreeBSD, NetBSD */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <net/pfkeyv2.h>
#include <netipsec/ipsec.h>
#define IKC_SOCKADDR_HAS_LEN 1
#define IKC_AF_INET AF_INET
#define IKC_AF_INET6 AF_INET6
#define IKC_REPLAY_UNIT 8
#define IKC_DIR_FWD 0
#define IKC_SET_POLICY_PRIORITY(p, v) ((p)->sadb_x_policy_priority = (v))
#endif
#endif
