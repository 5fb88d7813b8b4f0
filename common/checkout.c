/*
 * The guest's side of --branch, run by bangerd after vm run copied a
 * workspace and by the CLI for vm workspace prepare: $1 names the bundle
 * (/root/.cache/banger/$1.bundle, removed when done), $2 is the branch,
 * $3 the ref it starts from; it runs in the workspace's directory.
 */
#include "checkout.h"

/*
 * --branch NAME [--from REF]: the copied files become a checkout of a new
 * branch NAME at REF (default: the host's HEAD), from the bundle
 * (banger-fetch's for vm run, the CLI's for vm workspace prepare).
 * The working tree stays what was copied, so the
 * host's uncommitted changes show as changes.
 */
const char checkout_sh[] =
    "set -e\n"
    "b=/root/.cache/banger/$1.bundle\n"
    "git init -q\n"
    "git symbolic-ref HEAD \"refs/heads/$2\"\n"
    "git fetch -q --update-head-ok \"$b\" '+refs/heads/*:refs/remotes/host/*' "
    "'+refs/tags/*:refs/tags/*' '+HEAD:refs/remotes/host/HEAD'\n"
    "r=${3:-host/HEAD}\n"
    "c=$(git rev-parse -q --verify \"$r^{commit}\" || "
    "git rev-parse -q --verify \"host/$r^{commit}\") || "
    "{ echo \"no ref $r in the repository\" >&2; exit 1; }\n"
    "git reset -q \"$c\"\n"
    "rm -f \"$b\"\n";
