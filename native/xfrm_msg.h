/* Pure builders of XFRM netlink messages (no I/O): used by xfrm_netlink.c and by unit tests. */
#ifndef IKED_XFRM_MSG_H
#define IKED_XFRM_MSG_H

#include "kernel_spec.h"

#include <stddef.h>
#include <stdint.h>

/* each returns the message length, 0 if it does not fit or the spec is invalid (err set) */
size_t xfrm_build_sa(uint8_t *buf, size_t cap, const struct ik_sa_spec *sa, int update, uint32_t seq,
                     const char **err);
size_t xfrm_build_allocspi(uint8_t *buf, size_t cap, int proto, const struct ik_addr *src,
                           const struct ik_addr *dst, uint32_t reqid, uint32_t min, uint32_t max, uint32_t seq);
/* type: XFRM_MSG_DELSA or XFRM_MSG_GETSA */
size_t xfrm_build_said(uint8_t *buf, size_t cap, int type, int proto, const struct ik_addr *dst, uint32_t spi,
                       uint32_t seq);
/* op: XFRM_MSG_NEWPOLICY, XFRM_MSG_UPDPOLICY or XFRM_MSG_DELPOLICY */
size_t xfrm_build_policy(uint8_t *buf, size_t cap, int op, const struct ik_flow_spec *f, uint32_t seq);
/* dump of all states (XFRM_MSG_GETSA with NLM_F_DUMP) */
size_t xfrm_build_probe_sa(uint8_t *buf, size_t cap, uint32_t spi, int del, uint32_t seq);

#endif
