#!/bin/sh
# make style: the mechanical part of style(9) that the whole tree follows,
# checked on every C source and header (run by `make check` and CI).
# What it cannot judge (naming, comments that say why, one concern per
# file) is left to review; see README.md.
#
#   - indentation is tabs; a continuation line adds at most 4 spaces
#   - no trailing white space, no space before a tab, no CR
#   - no // comments
#   - a space between if, for, while, switch and return and their "("
#   - in a function definition whose "{" stands alone at column 0 (all
#     of them but compact one-line helpers), the function's name starts
#     its own line at column 0, so the return type is on the line above
#
# Not checked: 80 columns (about fifty longer lines exist today).
# Usage: sh .ci/style.sh [FILE...]   (default: every *.c and *.h here)
set -eu
if [ $# -eq 0 ]; then
	cd "$(dirname "$0")/.."
	set -- $(find . \( -name .git -o -name 'obj*' \) -prune -o \
	    \( -name '*.c' -o -name '*.h' \) -type f -print | sort)
fi
awk '
function bad(msg) {
	printf "%s:%d: %s\n", FILENAME, FNR, msg
	n++
}
FNR == 1 { delete line }
{
	line[FNR] = $0
	if ($0 ~ /\r$/)
		bad("carriage return")
	if ($0 ~ /[ \t]+\r?$/)
		bad("trailing white space")
	if ($0 ~ /^\t*     /)
		bad("indented with spaces (tabs, then at most 4 spaces)")
	if ($0 ~ /^[\t ]* +\t/)
		bad("space before a tab in the indentation")
	if ($0 ~ /^[ \t]*\/\//)
		bad("// comment")
	if ($0 ~ /(^|[^A-Za-z0-9_])(if|for|while|switch|return)\(/)
		bad("no space between keyword and (")
	if ($0 == "{") {
		j = FNR - 1
		while (j > 0 && line[j] ~ /^[ \t]/)
			j--
		if (j > 0 && line[j] !~ /^[A-Za-z_][A-Za-z0-9_]*\(/)
			bad("function name not at column 0 of its own line")
	}
}
END {
	if (n > 0) {
		printf "style: %d problem(s); see .ci/style.sh\n", n
		exit 1
	}
}' "$@"
