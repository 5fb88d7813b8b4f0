# docs/: the manual pages.  man-lint checks them with mandoc; `make check`
# runs it through CHECK_EXTRA.

DOCS_MANPAGES := docs/banger.1 docs/bangerd.8 docs/banger-priv.8 \
	docs/banger-fetch.8 docs/banger-agent.8 docs/banger-net.8 \
	docs/banger-sign.1
CHECK_EXTRA += man-lint

man-lint:
	mandoc -Tlint -W warning $(DOCS_MANPAGES)

.PHONY: man-lint
