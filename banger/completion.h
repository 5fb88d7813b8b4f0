/*
 * Shell completion scripts generated from the command table.  The
 * scripts know the command words, each command's flags and what its
 * positionals and option values are; live names (VMs, images, kernels)
 * come at completion time from the hidden `banger __complete KIND`.
 *
 * What a value is comes from its metavar, so new commands need no
 * change here:
 *	option metavar VM, IMAGE, KERNEL	-> vms, images, kernels
 *	option metavar FILE, PATH, DIR		-> file names
 *	first positional NAME or VM in "vm *"	-> vms
 *	first positional IMAGE / KERNEL		-> images / kernels
 *	first positional COMMAND		-> top-level command words
 *	first positional a|b|c			-> those words
 *	"NAME..." (an ellipsis)			-> any number of them
 *	usage starting with "--"		-> "-- CMD [ARG...]": after "--",
 *						   a command, then files
 */
#ifndef BANGER_COMPLETION_H
#define BANGER_COMPLETION_H

#include <stdio.h>

#include "banger.h"

/*
 * Commands with this flag are left out of help and completion.  Belongs
 * in banger.h next to CMD_TAIL (cmd_list() should skip it too).
 */

enum comp_kind {
	COMP_NONE,		/* free text: offer nothing */
	COMP_VMS,
	COMP_IMAGES,
	COMP_KERNELS,
	COMP_COMMANDS,		/* top-level command words */
	COMP_WORDS,		/* a fixed list (struct comp_pos.words) */
	COMP_FILES,
};

struct comp_pos {
	enum comp_kind	 kind;
	int		 many;		/* the positional repeats */
	int		 tail;		/* "-- CMD [ARG...]" follows */
	char		 words[256];	/* COMP_WORDS: space-separated */
};

/* completion.c: the model all three generators share. */
int		 comp_visible(const struct cmd_entry *);
enum comp_kind	 comp_opt_kind(const struct cmd_opt *);
void		 comp_pos(const struct cmd_entry *, struct comp_pos *);
const char	*comp_live(enum comp_kind);
const char	*comp_kind_word(enum comp_kind);
int		 comp_check_table(const struct cmd_entry *const *, char *,
		    size_t);
/* Space-separated words: top-level (group NULL) or a group's verbs. */
void		 comp_words(const struct cmd_entry *const *, const char *,
		    char *, size_t);
int		 comp_is_group(const struct cmd_entry *const *, const char *);
int		 comp_group_first(const struct cmd_entry *const *, int, char *,
		    size_t);

/* completion-{bash,zsh,fish}.c: 0, or -1 with a message. */
int	comp_bash(const struct cmd_entry *const *, FILE *, char *, size_t);
int	comp_zsh(const struct cmd_entry *const *, FILE *, char *, size_t);
int	comp_fish(const struct cmd_entry *const *, FILE *, char *, size_t);

#endif
