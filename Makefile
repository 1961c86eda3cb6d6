# SPDX-License-Identifier: MIT
# wgconfsrv: WireGuard mesh configuration server (FastCGI responder) and client.

PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
SBINDIR  ?= $(PREFIX)/sbin
MANDIR   ?= $(PREFIX)/share/man
DATADIR  ?= $(PREFIX)/share/wgconfsrv
# systemd looks in /usr/local/lib/... as well as /usr/lib/... (and /etc/...).
UNITDIR  ?= $(PREFIX)/lib/systemd/system
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
DESTDIR  ?=

CC       ?= cc
PKG_CONFIG ?= pkg-config
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wformat=2 -Wshadow \
            -Wstrict-prototypes -Wmissing-prototypes -Wwrite-strings -Wvla \
            -MMD -MP
ifeq ($(WERROR),1)
CFLAGS   += -Werror
endif
ifneq ($(SANITIZE),)
CFLAGS   += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS  += -fsanitize=$(SANITIZE)
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

PKGS      := libsodium json-c sqlite3
LIB_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
LIB_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
FCGI_LIBS  := $(shell $(PKG_CONFIG) --libs fcgi 2>/dev/null || echo -lfcgi)
CLIENT_LIBS := $(shell $(PKG_CONFIG) --libs libsodium json-c 2>/dev/null)
CURL_CFLAGS := $(shell $(PKG_CONFIG) --cflags libcurl 2>/dev/null)
CURL_LIBS  := $(shell $(PKG_CONFIG) --libs libcurl 2>/dev/null)
CHECK_CFLAGS := $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS := $(shell $(PKG_CONFIG) --libs check 2>/dev/null)

# lib/ is the server's layers, a folder each (docs/design.md): common/
# (keys, validation, address arithmetic, the signed statements, small
# parsers) that both programs link, and store/ (every table's SQL), views/
# (what the API shows, the config text) and api/ (HTTP, the routes, the
# handlers) that only the responder and the server tests link. The client
# never links SQLite.
# The client sees lib/common/ alone: what it cannot include, it cannot use.
SERVER_INC := -Ilib/common -Ilib/store -Ilib/views -Ilib/api
CLIENT_INC := -Ilib/common
COMMON_SRC := $(sort $(wildcard lib/common/*.c))
COMMON_OBJ := $(COMMON_SRC:.c=.o)
SERVER_SRC := $(sort $(wildcard lib/store/*.c lib/views/*.c lib/api/*.c))
SERVER_OBJ := $(SERVER_SRC:.c=.o)
CGI_SRC    := $(sort $(wildcard cgi/*.c))
CGI_OBJ    := $(CGI_SRC:.c=.o)
# The client's modules form a library too, so that the unit tests link them.
CLIENT_MAIN := client/wgconf.c
CLIENT_SRC := $(filter-out $(CLIENT_MAIN),$(sort $(wildcard client/*.c)))
CLIENT_OBJ := $(CLIENT_SRC:.c=.o)
UNIT_SRC   := $(sort $(wildcard tests/unit/check_*.c))
UNIT_BIN   := $(UNIT_SRC:.c=)
CLIENT_UNIT_BIN := $(filter tests/unit/check_client%,$(UNIT_BIN))
SERVER_UNIT_BIN := $(filter-out $(CLIENT_UNIT_BIN),$(UNIT_BIN))

BINS := cgi/wgconfsrv client/wgconf

.PHONY: all deps run stop check unit integration e2e browser bench fuzz mutants install install-list uninstall clean

all: $(BINS)

lib/store/schema.h: schema.sql lib/store/embed.sh
	@echo "  GEN     $@"
	$(Q)sh lib/store/embed.sh schema_sql < schema.sql > $@.tmp && mv $@.tmp $@

lib/store/db.o: lib/store/schema.h

# The first schema, for the tests that make databases of earlier versions.
tests/unit/schema_v1.h: tests/unit/schema_v1.sql lib/store/embed.sh
	@echo "  GEN     $@"
	$(Q)sh lib/store/embed.sh schema_v1_sql < tests/unit/schema_v1.sql > $@.tmp && mv $@.tmp $@

lib/common/%.o: lib/common/%.c
	@echo "  CC      $@"
	$(Q)$(CC) $(CFLAGS) $(CLIENT_INC) $(LIB_CFLAGS) -c -o $@ $<

lib/%.o: lib/%.c
	@echo "  CC      $@"
	$(Q)$(CC) $(CFLAGS) $(SERVER_INC) $(LIB_CFLAGS) -c -o $@ $<

cgi/%.o: cgi/%.c
	@echo "  CC      $@"
	$(Q)$(CC) $(CFLAGS) $(SERVER_INC) $(LIB_CFLAGS) -c -o $@ $<

client/%.o: client/%.c
	@echo "  CC      $@"
	$(Q)$(CC) $(CFLAGS) $(CLIENT_INC) $(LIB_CFLAGS) $(CURL_CFLAGS) -c -o $@ $<

lib/libwgcommon.a: $(COMMON_OBJ)
	@echo "  AR      $@"
	$(Q)rm -f $@ && $(AR) rcs $@ $^

lib/libwgserver.a: $(SERVER_OBJ)
	@echo "  AR      $@"
	$(Q)rm -f $@ && $(AR) rcs $@ $^

client/libwgclient.a: $(CLIENT_OBJ)
	@echo "  AR      $@"
	$(Q)rm -f $@ && $(AR) rcs $@ $^

cgi/wgconfsrv: $(CGI_OBJ) lib/libwgserver.a lib/libwgcommon.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(FCGI_LIBS) $(LIB_LIBS)

client/wgconf: $(CLIENT_MAIN:.c=.o) client/libwgclient.a lib/libwgcommon.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CURL_LIBS) $(CLIENT_LIBS)

# The API suites' shared harness; not a check_* file, so not a test binary.
tests/unit/api_harness.o: tests/unit/api_harness.c
	@echo "  CC      $@"
	$(Q)$(CC) $(CFLAGS) $(SERVER_INC) $(LIB_CFLAGS) $(CHECK_CFLAGS) -c -o $@ $<

$(SERVER_UNIT_BIN): tests/unit/%: tests/unit/%.c tests/unit/api_harness.o tests/unit/schema_v1.h lib/libwgserver.a lib/libwgcommon.a
	@echo "  CC      $@"
	$(Q)$(CC) $(CFLAGS) $(SERVER_INC) $(LIB_CFLAGS) $(CHECK_CFLAGS) -o $@ $< tests/unit/api_harness.o lib/libwgserver.a lib/libwgcommon.a $(LDFLAGS) $(CHECK_LIBS) $(LIB_LIBS)

$(CLIENT_UNIT_BIN): tests/unit/%: tests/unit/%.c client/libwgclient.a lib/libwgcommon.a
	@echo "  CC      $@"
	$(Q)$(CC) $(CFLAGS) $(CLIENT_INC) $(LIB_CFLAGS) $(CURL_CFLAGS) $(CHECK_CFLAGS) -Iclient -o $@ $< client/libwgclient.a lib/libwgcommon.a $(LDFLAGS) $(CHECK_LIBS) $(CURL_LIBS) $(CLIENT_LIBS)

# Installs the Debian packages the build, `make run` and the tests need.
# npm only brings playwright-core and axe-core for the browser tests (package-lock.json).
deps:
	$(Q)sh .ci/deps.sh
	$(Q)[ -d node_modules/playwright-core ] && [ -d node_modules/axe-core ] || npm ci --no-audit --no-fund

# Targets that may install packages first build in a new make: the flags
# from pkg-config are read when a makefile is parsed, so the make that ran
# deps still has the empty flags of a machine without the -dev packages.
# make run needs only the Debian packages: not `deps`, whose npm ci fetches
# the browser tests' playwright-core from npm's registry, which a new
# server (or one that reaches only a Debian mirror) may not reach.
run:
	$(Q)sh .ci/deps.sh
	$(Q)$(MAKE) --no-print-directory all
	$(Q)sh nginx/local.sh start

stop:
	$(Q)sh nginx/local.sh stop

unit: $(UNIT_BIN)
	$(Q)set -e; for t in $(UNIT_BIN); do echo "  UNIT    $$t"; CK_FORK=no $$t; done

integration: all
	$(Q)sh tests/run.sh integration

e2e: all
	$(Q)sh tests/run.sh e2e

browser: all
	$(Q)sh tests/run.sh browser

# Every test layer (docs/design.md, README "Tests"): unit, integration, end to end, browser, and the
# hostile-input layer's fuzzers for a short, bounded run (the seeds are
# replayed first, so past findings stay fixed). The integration layer holds
# tests/t2400-install.sh: install into a DESTDIR, `systemd-analyze verify`
# of every installed unit, the installed tree run, uninstall.
FUZZ_CHECK_SECONDS ?= 15
check: deps
	$(Q)sh tests/tools/longfuncs.sh
	$(Q)sh tests/tools/nosql.sh
	$(Q)$(MAKE) --no-print-directory all $(UNIT_BIN)
	$(Q)$(MAKE) --no-print-directory unit
	$(Q)sh tests/run.sh all
	$(Q)sh tests/fuzz/run.sh $(FUZZ_CHECK_SECONDS)

# The breaks the suite once let through (tests/tools/mutants.sh), each made
# in a scratch copy and run against the test that must catch it:
# MUTANTS=fast for the unit-level ones and the tools' only.
MUTANTS ?= all
mutants: all
	$(Q)sh tests/tools/mutants.sh $(MUTANTS)

# The benchmark's seeder drives the server's handlers in process (bench/seed.c).
bench/seed: bench/seed.c lib/libwgserver.a lib/libwgcommon.a
	@echo "  CC      $@"
	$(Q)$(CC) $(CFLAGS) $(SERVER_INC) $(LIB_CFLAGS) -o $@ $< lib/libwgserver.a lib/libwgcommon.a $(LDFLAGS) $(LIB_LIBS)

# The push benchmark's simulated watching hosts (bench/pushbench.c).
bench/pushbench: bench/pushbench.c
	@echo "  CC      $@"
	$(Q)$(CC) $(CFLAGS) $(CURL_CFLAGS) -o $@ $< $(LDFLAGS) $(CURL_LIBS)

bench: deps
	$(Q)$(MAKE) --no-print-directory all bench/seed bench/pushbench
	$(Q)sh bench/run.sh
	$(Q)sh bench/browser.sh
	$(Q)sh bench/push.sh
	$(Q)sh bench/fullmesh.sh

# libFuzzer harnesses (clang) on api_handle() and the parsers, each for
# FUZZ_SECONDS; a finding fails.
FUZZ_SECONDS ?= 60
fuzz: deps
	$(Q)sh tests/fuzz/run.sh $(FUZZ_SECONDS)

# install / uninstall: PREFIX (default /usr/local; /usr for a package) and
# DESTDIR (a staging root). What goes where is INSTALL_FILES, "source
# destination mode" a line, so uninstall removes exactly what install put,
# and tests/t2400-install.sh checks it against its own. Files named *.in get
# their @BINDIR@/@SBINDIR@ replaced; the web-server examples get the
# /usr/local/... paths they are written with replaced by PREFIX's.
WWW_FILES := $(shell cd www 2>/dev/null && find . -type f | sed 's|^\./||' | LC_ALL=C sort)
define INSTALL_FILES
cgi/wgconfsrv $(SBINDIR)/wgconfsrv 0755
client/wgconf $(BINDIR)/wgconf 0755
docs/wgconf.1 $(MANDIR)/man1/wgconf.1 0644
docs/wgconfsrv.8 $(MANDIR)/man8/wgconfsrv.8 0644
nginx/wgconfsrv.conf $(DATADIR)/nginx/wgconfsrv.conf 0644
nginx/wgconfsrv-lighttpd.conf $(DATADIR)/lighttpd/50-wgconfsrv.conf 0644
dist/systemd/wgconfsrv.socket $(UNITDIR)/wgconfsrv.socket 0644
dist/systemd/wgconfsrv.service.in $(UNITDIR)/wgconfsrv.service 0644
dist/systemd/wgconf-sync@.service.in $(UNITDIR)/wgconf-sync@.service 0644
dist/systemd/wgconf-sync@.timer $(UNITDIR)/wgconf-sync@.timer 0644
dist/systemd/wgconf-watch@.service.in $(UNITDIR)/wgconf-watch@.service 0644
dist/tmpfiles/wgconfsrv.conf $(TMPFILESDIR)/wgconfsrv.conf 0644
dist/sysusers/wgconfsrv.conf $(SYSUSERSDIR)/wgconfsrv.conf 0644
$(foreach f,$(WWW_FILES),www/$(f) $(DATADIR)/www/$(f) 0644
)
endef
export INSTALL_FILES
INSTALL_LIST = printf '%s\n' "$$INSTALL_FILES" | sed -e 's/^[[:space:]]*//' -e '/^$$/d'
# The folders that are wgconfsrv's own: uninstall removes them when empty,
# deepest first (reverse order); shared ones (bin, man1, systemd/system, ...)
# stay.
INSTALL_OWN_DIRS = $(sort $(filter $(DATADIR)/%,$(dir $(addprefix $(DATADIR)/www/,$(WWW_FILES))))) \
	$(DATADIR)/www/ $(DATADIR)/nginx/ $(DATADIR)/lighttpd/ $(DATADIR)/

# Prints the list, with PREFIX applied (for tests and packagers).
install-list:
	@$(INSTALL_LIST)

install: all
	$(Q)umask 022; $(INSTALL_LIST) | while read -r src dst mode; do \
		echo "  INSTALL $(DESTDIR)$$dst"; \
		install -d -m 0755 "$(DESTDIR)$${dst%/*}" || exit 1; \
		case $$src in \
		*.in | nginx/*) \
			sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SBINDIR@|$(SBINDIR)|g' \
			    -e 's|/usr/local/sbin/wgconfsrv|$(SBINDIR)/wgconfsrv|g' \
			    -e 's|/usr/local/share/wgconfsrv|$(DATADIR)|g' \
			    "$$src" >"$(DESTDIR)$$dst.tmp" && \
			chmod "$$mode" "$(DESTDIR)$$dst.tmp" && \
			mv -f "$(DESTDIR)$$dst.tmp" "$(DESTDIR)$$dst" || exit 1 ;; \
		*) install -m "$$mode" "$$src" "$(DESTDIR)$$dst" || exit 1 ;; \
		esac; \
	done

uninstall:
	$(Q)$(INSTALL_LIST) | while read -r src dst mode; do \
		if [ -e "$(DESTDIR)$$dst" ] || [ -L "$(DESTDIR)$$dst" ]; then \
			echo "  RM      $(DESTDIR)$$dst"; rm -f "$(DESTDIR)$$dst" || exit 1; \
		fi; \
	done
	$(Q)printf '%s\n' $(INSTALL_OWN_DIRS) | LC_ALL=C sort -r | while read -r d; do \
		[ -d "$(DESTDIR)$$d" ] && rmdir "$(DESTDIR)$$d" 2>/dev/null || true; \
	done

clean:
	rm -f $(BINS) bench/seed bench/pushbench lib/*.a client/*.a lib/store/schema.h tests/unit/schema_v1.h */*.o */*.d lib/*/*.o lib/*/*.d tests/unit/*.o tests/unit/*.d $(UNIT_BIN)
	rm -rf tests/fuzz/out

-include $(wildcard lib/*/*.d cgi/*.d client/*.d bench/*.d tests/unit/*.d)
