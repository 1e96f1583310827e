/* Selects the OpenBSD PF_KEYv2 definitions: the system's on OpenBSD, compat/ elsewhere. */
#ifndef IKED_PFKEY_OPENBSD_OS_H
#define IKED_PFKEY_OPENBSD_OS_H
#if defined(__OpenBSD__) && !defined(IKED_PFKEY_COMPAT)
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <net/pfkeyv2.h>
#include <netinet/ip_ipsp.h>
#define IKC_SOCKADDR_HAS_LEN 1
#define IKC_AF_INET AF_INET
#define IKC_AF_INET6 AF_INET6
#else
#include "openbsd_pfkeyv2.h"
#endif
#endif
