/* Shared by the commands that print or wait for VM records. */
#ifndef BANGER_VMINFO_H
#define BANGER_VMINFO_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "proto.h"

struct client;

json_t	*vm_json(const struct ctl_vm_info *);
void	 vm_print(const struct ctl_vm_info *, FILE *);

/* ports.c: published ports and their states. */
void	 port_line(const struct ctl_vm_info *, size_t, char *, size_t);
void	 ports_print(const struct ctl_vm_info *, FILE *);
json_t	*ports_json(const struct ctl_vm_info *);

/* egress.c: the egress policy, one line or a JSON object. */
void	 egress_line(const struct ctl_vm_info *, char *, size_t);
void	 egress_print(const struct ctl_vm_info *, FILE *);
json_t	*egress_json(const struct ctl_vm_info *);

/*
 * Send a request and read replies until CTL_OK: progress lines are
 * relayed to stderr, a CTL_VM_INFO is kept in *info (caller frees with
 * vm_info_free) if info is not NULL.  Returns an exit status.
 */
int	 vm_request(struct client *, uint32_t, const void *,
	    struct ctl_vm_info **);
int	 vm_request_files(struct client *, uint32_t, const void *, char **,
	    size_t, struct ctl_vm_info **);
int	 send_ws_files(struct client *, uint64_t, char **, size_t);
int	 request_each(struct client *, uint32_t, const void *, char **,
	    size_t, uint32_t, void (*)(void *, void *), void *);
/* request_each on a client of its own (opened and closed): exit status. */
int	 request_once(uint32_t, const void *, uint32_t,
	    void (*)(void *, void *), void *);
void	 vm_info_free(struct ctl_vm_info *);
struct cmd_entry;
struct args;
int	 vm_info_part(const struct cmd_entry *, const struct args *, uint32_t,
	    const void *, const char *, json_t *(*)(const struct ctl_vm_info *),
	    void (*)(const struct ctl_vm_info *, FILE *));

/* "512", "512M", "2G", "2GiB", "1T" -> MiB; -1 if not a size. */
int64_t	 parse_size_mib(const char *);

#endif
