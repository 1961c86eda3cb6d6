# SPDX-License-Identifier: MIT
# wgconfsrv: WireGuard mesh configuration server (FastCGI responder) and client.

PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
SBINDIR  ?= $(PREFIX)/sbin
MANDIR   ?= $(PREFIX)/share/man
DATADIR  ?= $(PREFIX)/share/wgconfsrv
DESTDIR  ?=

CC       ?= cc
PKG_CONFIG ?= pkg-config
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wformat=2 -Wshadow \
            -Wstrict-prototypes -Wmissing-prototypes -Wwrite-strings -Wvla \
            -MMD -MP -Ilib
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
CURL_CFLAGS := $(shell $(PKG_CONFIG) --cflags libcurl 2>/dev/null)
CURL_LIBS  := $(shell $(PKG_CONFIG) --libs libcurl 2>/dev/null)
CHECK_CFLAGS := $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS := $(shell $(PKG_CONFIG) --libs check 2>/dev/null)

LIB_SRC    := $(sort $(wildcard lib/*.c))
LIB_OBJ    := $(LIB_SRC:.c=.o)
CGI_SRC    := $(sort $(wildcard cgi/*.c))
CGI_OBJ    := $(CGI_SRC:.c=.o)
CLIENT_SRC := $(sort $(wildcard client/*.c))
CLIENT_OBJ := $(CLIENT_SRC:.c=.o)
UNIT_SRC   := $(sort $(wildcard tests/unit/check_*.c))
UNIT_BIN   := $(UNIT_SRC:.c=)

BINS := cgi/wgconfsrv client/wgconf

.PHONY: all deps run stop check unit integration e2e browser bench fuzz install clean

all: $(BINS)

lib/schema.h: schema.sql lib/embed.sh
	@echo "  GEN     $@"
	$(Q)sh lib/embed.sh schema_sql < schema.sql > $@.tmp && mv $@.tmp $@

lib/db.o: lib/schema.h

lib/%.o: lib/%.c
	@echo "  CC      $@"
	$(Q)$(CC) $(CFLAGS) $(LIB_CFLAGS) -c -o $@ $<

cgi/%.o: cgi/%.c
	@echo "  CC      $@"
	$(Q)$(CC) $(CFLAGS) $(LIB_CFLAGS) -c -o $@ $<

client/%.o: client/%.c
	@echo "  CC      $@"
	$(Q)$(CC) $(CFLAGS) $(LIB_CFLAGS) $(CURL_CFLAGS) -c -o $@ $<

lib/libwgconf.a: $(LIB_OBJ)
	@echo "  AR      $@"
	$(Q)rm -f $@ && $(AR) rcs $@ $^

cgi/wgconfsrv: $(CGI_OBJ) lib/libwgconf.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(FCGI_LIBS) $(LIB_LIBS)

client/wgconf: $(CLIENT_OBJ) lib/libwgconf.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CURL_LIBS) $(LIB_LIBS)

tests/unit/%: tests/unit/%.c lib/libwgconf.a
	@echo "  CC      $@"
	$(Q)$(CC) $(CFLAGS) $(LIB_CFLAGS) $(CHECK_CFLAGS) -o $@ $< lib/libwgconf.a $(LDFLAGS) $(CHECK_LIBS) $(LIB_LIBS)

# Installs the Debian packages the build, `make run` and the tests need.
# npm only brings playwright-core for the browser tests (package-lock.json).
deps:
	$(Q)sh .ci/deps.sh
	$(Q)[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund

run: deps all
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

# Every layer of DESIGN.md: unit, integration, end to end, browser, and the
# hostile-input layer's fuzzers for a short, bounded run (the seeds are
# replayed first, so past findings stay fixed).
FUZZ_CHECK_SECONDS ?= 15
check: deps
	$(Q)$(MAKE) --no-print-directory all $(UNIT_BIN)
	$(Q)$(MAKE) --no-print-directory unit
	$(Q)sh tests/run.sh all
	$(Q)sh tests/fuzz/run.sh $(FUZZ_CHECK_SECONDS)

bench: deps all
	$(Q)sh bench/run.sh

# libFuzzer harnesses (clang) on api_handle() and the parsers, each for
# FUZZ_SECONDS; a finding fails.
FUZZ_SECONDS ?= 60
fuzz: deps
	$(Q)sh tests/fuzz/run.sh $(FUZZ_SECONDS)

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(DATADIR)/www $(DESTDIR)$(DATADIR)/nginx
	install -m 0755 cgi/wgconfsrv $(DESTDIR)$(SBINDIR)/wgconfsrv
	install -m 0755 client/wgconf $(DESTDIR)$(BINDIR)/wgconf
	install -m 0644 docs/wgconf.1 $(DESTDIR)$(MANDIR)/man1/wgconf.1
	install -m 0644 docs/wgconfsrv.8 $(DESTDIR)$(MANDIR)/man8/wgconfsrv.8
	cp -R www/. $(DESTDIR)$(DATADIR)/www/
	install -m 0644 nginx/wgconfsrv.conf $(DESTDIR)$(DATADIR)/nginx/wgconfsrv.conf

clean:
	rm -f $(BINS) lib/libwgconf.a lib/schema.h */*.o */*.d tests/unit/*.o tests/unit/*.d $(UNIT_BIN)
	rm -rf tests/fuzz/out

-include $(wildcard lib/*.d cgi/*.d client/*.d tests/unit/*.d)
