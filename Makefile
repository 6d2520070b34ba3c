# fdsend and fdrecv: pass open file descriptors between processes.

VERSION = 0.1.0

PREFIX = /usr/local
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions

# Objects and programs go to $(O); the sanitizer and static builds use
# their own.
O = .
STATIC_O = build-static

# The static build (make static, or STATIC=1 with any target): with
# musl-gcc where it is installed, unless CC is set; else glibc. Static
# binaries are copied where nothing else is (a container, an initramfs):
# no debugging sections or symbols unless CFLAGS asks (-g), and unused
# functions dropped. User and group names come from /etc/passwd and
# /etc/group (src/ids.c).
ifdef STATIC
O = $(STATIC_O)
ifeq ($(origin CC),default)
CC := $(shell command -v musl-gcc >/dev/null 2>&1 && echo musl-gcc || echo cc)
endif
CFLAGS ?= -O2
MODE_CFLAGS = -ffunction-sections -fdata-sections -DIDS_FROM_FILES
MODE_LDFLAGS = -static -Wl,--gc-sections $(if $(filter -g%,$(CFLAGS)),,-s)
# musl protects no RELRO segment in a static program (glibc does): its
# page alignment would only cost each run a page fault.
ifneq ($(findstring musl,$(notdir $(CC))),)
MODE_LDFLAGS += -Wl,-z,norelro
endif
endif

CFLAGS ?= -O2 -g
WARNINGS = -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes
# The language, the warnings, the version and what the build mode needs
# are not the user's to lose by setting CFLAGS; everything else is.
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -DVERSION='"$(VERSION)"' $(WARNINGS) $(MODE_CFLAGS) \
	$(CPPFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(LDFLAGS) $(MODE_LDFLAGS)

CORE = addr.o bind.o names.o msg.o args.o ids.o describe.o report.o proc.o notify.o out.o
FDSEND_OBJS = fdsend.o $(CORE)
FDRECV_OBJS = fdrecv.o serve.o cat.o handoff.o pidsrc.o $(CORE)
HEADERS = src/fdpass.h src/bind.h src/args.h src/ids.h src/describe.h src/report.h src/proc.h \
	src/notify.h src/cat.h src/handoff.h src/serve.h src/pidsrc.h src/compat.h src/out.h

BATS = bats
MANDOC = mandoc
INSTALL = install
SANITIZE = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

all: $(O)/fdsend $(O)/fdrecv

$(O)/fdsend: $(FDSEND_OBJS:%=$(O)/obj/%)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(FDSEND_OBJS:%=$(O)/obj/%)

$(O)/fdrecv: $(FDRECV_OBJS:%=$(O)/obj/%)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(FDRECV_OBJS:%=$(O)/obj/%)

$(O)/obj/%.o: src/%.c $(HEADERS) Makefile
	@mkdir -p $(O)/obj
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# Say what is missing rather than fail on it: without mandoc the man page
# tests skip; without bats nothing runs.
check: all
	@command -v $(MANDOC) >/dev/null 2>&1 || echo "make check: $(MANDOC) is not" \
		"installed: the man page tests are skipped (Debian: apt-get install mandoc)" >&2
	@command -v $(BATS) >/dev/null 2>&1 || { echo "make check: $(BATS) is not" \
		"installed (Debian: apt-get install bats)" >&2; exit 1; }
	FDSEND=$(O)/fdsend FDRECV=$(O)/fdrecv $(BATS) tests

# systemd as PID 1 of a container (systemd-nspawn, on this machine's own
# /usr), with the tools against its notify socket and fd store; needs root
# and systemd-container, and skips, saying so, without root.
check-systemd: all
	FDSEND=$(O)/fdsend FDRECV=$(O)/fdrecv sh tests/systemd/run.sh

# The whole suite again, built with AddressSanitizer and UBSan.
check-sanitize:
	$(MAKE) O=build-sanitize CFLAGS="-O1 -g $(SANITIZE)" LDFLAGS="$(SANITIZE)" check

static:
	$(MAKE) STATIC=1 O=$(STATIC_O) all

# The whole suite against the static binaries.
check-static:
	$(MAKE) STATIC=1 O=$(STATIC_O) check

# libFuzzer on the parsers and the receive path, built with clang into
# $(FUZZ_O) and run FUZZ_SECONDS each; a crash, leak or hang fails the
# target and leaves the input that caused it in $(FUZZ_O).
FUZZ_CC = clang
FUZZ_O = build-fuzz
FUZZ_SECONDS = 30
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -Isrc $(WARNINGS) -g -O1 \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_SRC = src/args.c src/ids.c src/addr.c src/bind.c src/msg.c src/names.c
FUZZERS = fuzz_args fuzz_recv

$(FUZZ_O)/%: tests/fuzz/%.c $(FUZZ_SRC) $(HEADERS) Makefile
	@mkdir -p $(FUZZ_O)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_SRC)

fuzz: $(FUZZERS:%=$(FUZZ_O)/%)
	@for f in $(FUZZERS); do \
		mkdir -p $(FUZZ_O)/corpus-$$f || exit 1; \
		echo "$$f: $(FUZZ_SECONDS) seconds"; \
		$(FUZZ_O)/$$f -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
			-print_final_stats=1 -artifact_prefix=$(FUZZ_O)/$$f- \
			$(FUZZ_O)/corpus-$$f tests/fuzz/corpus/$${f#fuzz_} || exit 1; \
	done

# Two concurrent senders, STRESS_N handoffs each, into one fdrecv.
STRESS_N = 2000

stress: all
	STRESS_N=$(STRESS_N) FDSEND=$(O)/fdsend FDRECV=$(O)/fdrecv sh tests/stress/stress.sh

# The benchmark: fdsend/fdrecv against a minimal C pair, a Python pair
# and cat(1), side by side in one run, as medians and ratios. It asserts
# nothing unless BENCH_STRICT=1; make check has no timed assertions. The
# helpers are built with the project's compiler and flags, for a fair
# comparison; FDSEND, FDRECV and the BENCH_* sizes may be set in the
# environment.
BENCH_O = $(O)/build-bench
BENCH_PROGS = $(BENCH_O)/min_send $(BENCH_O)/min_recv $(BENCH_O)/sink $(BENCH_O)/driver

$(BENCH_PROGS): $(BENCH_O)/%: bench/%.c src/compat.h Makefile
	@mkdir -p $(BENCH_O)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $<

# The static rows: the pair of make static against the minimal pair built
# the same way (FDSEND_STATIC and FDRECV_STATIC may name others).
STATIC_BENCH_O = $(STATIC_O)/build-bench

bench: all $(BENCH_PROGS)
	$(MAKE) STATIC=1 O=$(STATIC_O) all $(STATIC_BENCH_O)/min_send $(STATIC_BENCH_O)/min_recv
	FDSEND=$${FDSEND:-$(O)/fdsend} FDRECV=$${FDRECV:-$(O)/fdrecv} \
		FDSEND_STATIC=$${FDSEND_STATIC:-$(STATIC_O)/fdsend} \
		FDRECV_STATIC=$${FDRECV_STATIC:-$(STATIC_O)/fdrecv} \
		$(BENCH_O)/driver $(BENCH_O) bench $(STATIC_BENCH_O)

demo: all
	@sh tests/demo.sh ./fdsend ./fdrecv

# After make static, make install installs the static pair (the one built
# last, if there are both); otherwise the one in $(O), built if need be.
ifeq ($(STATIC)$(origin O),file)
ifeq ($(shell [ $(STATIC_O)/fdsend -nt fdsend ] && echo y),y)
INSTALL_STATIC = 1
endif
endif

ifdef INSTALL_STATIC
install:
	$(MAKE) STATIC=1 O=$(STATIC_O) install
else
# Explicit modes: what the umask would make of them (0700 under 077) is
# no use to the other users.
install: all
	$(INSTALL) -d -m 755 $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR)
	$(INSTALL) -m 755 $(O)/fdsend $(O)/fdrecv $(DESTDIR)$(BINDIR)/
	$(INSTALL) -m 644 man/fdsend.1 man/fdrecv.1 $(DESTDIR)$(MANDIR)/man1/
	$(INSTALL) -m 644 completion/fdsend.bash $(DESTDIR)$(BASHCOMPDIR)/fdsend
	$(INSTALL) -m 644 completion/fdsend.bash $(DESTDIR)$(BASHCOMPDIR)/fdrecv
endif

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/fdsend $(DESTDIR)$(BINDIR)/fdrecv \
		$(DESTDIR)$(MANDIR)/man1/fdsend.1 $(DESTDIR)$(MANDIR)/man1/fdrecv.1 \
		$(DESTDIR)$(BASHCOMPDIR)/fdsend $(DESTDIR)$(BASHCOMPDIR)/fdrecv

lint:
	@command -v $(MANDOC) >/dev/null 2>&1 || { echo "make lint: $(MANDOC) is not" \
		"installed (Debian: apt-get install mandoc)" >&2; exit 1; }
	$(MANDOC) -Tlint -Wwarning man/fdsend.1 man/fdrecv.1

clean:
	rm -rf fdsend fdrecv obj build-sanitize build-bench $(STATIC_O) $(FUZZ_O)

.PHONY: all bench check check-sanitize check-static check-systemd static demo fuzz stress \
	install uninstall lint clean
