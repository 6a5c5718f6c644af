# netfence — build, test, demo. `make` builds build/netfence; `make check` runs every test.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DESTDIR ?=
CC ?= cc
PKG_CONFIG ?= pkg-config
PKGS := libnl-3.0 libnl-route-3.0 libnftnl libmnl libseccomp yajl libcap-ng libselinux

BUILD := build
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.1.0)

PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS))
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS))
# The binaries link the libraries statically where Debian ships an archive (libmnl has none):
# eight fewer shared objects to map and relocate save ~0.5 ms of every hook call (a third of
# the process start; docs/PERFORMANCE.md). STATIC_LIBS=0 links them all dynamically.
STATIC_LIBS ?= 1
ifeq ($(STATIC_LIBS),1)
BIN_LIBS = -Wl,-Bstatic -lnl-route-3 -lnl-3 -lnftnl -lseccomp -lyajl_s -lcap-ng -lselinux \
	-lpcre2-8 -Wl,-Bdynamic -lmnl -lpthread -lm
else
BIN_LIBS = $(PKG_LIBS)
endif

WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wmissing-prototypes -Wno-unused-parameter
HARDEN := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fstack-clash-protection -fPIE
OPT ?= -O2 -g
XCFLAGS ?=
XLDFLAGS ?=
# The core library's layers, lowest first (docs/DESIGN.md); a file includes headers of its own
# layer or lower ones only (tests/tools/include-cycles.sh). Includes name bare headers.
LIB_DIRS := lib/base runtime-spec selinux lib/policy lib/kernel lib/state lib/fence
SRC_DIRS := $(LIB_DIRS) resolver hook
INCS := $(SRC_DIRS:%=-iquote %)
ALL_CFLAGS = -std=gnu11 $(OPT) $(WARN) $(HARDEN) -DNF_VERSION='"$(VERSION)"' $(INCS) $(PKG_CFLAGS) \
	$(XCFLAGS) $(CFLAGS)
ALL_LDFLAGS = -pie -Wl,-z,relro,-z,now $(XLDFLAGS) $(LDFLAGS)

# libnetfence.a: the core (lib/, runtime-spec/, selinux/) that the hook and the coming resolver
# link; hook/ holds the OCI hook entry, the CLI commands and the runtime wrapper.
CORE_SRCS := $(sort $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c)))
MAINS := hook/main.c hook/runtime_main.c resolver/main.c
HOOK_SRCS := $(filter-out $(MAINS),$(sort $(wildcard hook/*.c)))
# The resolver (SPEC section 10) is a program of its own: only it links ldns (and, through it,
# libcrypto), which would add their loading to every hook call.
RES_SRCS := $(filter-out $(MAINS),$(sort $(wildcard resolver/*.c)))
LIB_SRCS := $(CORE_SRCS) $(HOOK_SRCS) $(RES_SRCS)
HDRS := $(foreach d,$(SRC_DIRS),$(wildcard $(d)/*.h))
CORE_OBJS := $(CORE_SRCS:%.c=$(BUILD)/obj/%.o)
HOOK_OBJS := $(HOOK_SRCS:%.c=$(BUILD)/obj/%.o)
RES_OBJS := $(RES_SRCS:%.c=$(BUILD)/obj/%.o)
LIB_OBJS := $(CORE_OBJS) $(HOOK_OBJS) $(RES_OBJS)
# The test build: same code with the fault-injection points compiled in (never installed).
TCORE_OBJS := $(CORE_SRCS:%.c=$(BUILD)/tobj/%.o)
THOOK_OBJS := $(HOOK_SRCS:%.c=$(BUILD)/tobj/%.o)
TRES_OBJS := $(RES_SRCS:%.c=$(BUILD)/tobj/%.o)
TLIB_OBJS := $(TCORE_OBJS) $(THOOK_OBJS) $(TRES_OBJS)
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNITS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/unit/%)

.PHONY: all deps check unit e2e demo asan asan-check fuzz install uninstall deb clean format \
	format-check probe \
	selinux bench check-includes vm-check

all: $(BUILD)/netfence $(BUILD)/netfence-runtime $(BUILD)/netfence-resolver

$(BUILD)/obj/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tobj/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DNF_FAULT_INJECTION -c -o $@ $<

$(BUILD)/libnetfence.a: $(CORE_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/test/libnetfence.a: $(TCORE_OBJS)
	@mkdir -p $(dir $@)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/netfence: $(BUILD)/obj/hook/main.o $(HOOK_OBJS) $(BUILD)/libnetfence.a
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(BIN_LIBS)

# The runtime wrapper of SPEC section 7 (edits config.json, then execs the real runtime).
$(BUILD)/netfence-runtime: $(BUILD)/obj/hook/runtime_main.o $(HOOK_OBJS) $(BUILD)/libnetfence.a
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(BIN_LIBS)

# ldns has an archive; it needs libcrypto (shared) for its random numbers.
LDNS_LIBS = -Wl,-Bstatic -lldns -Wl,-Bdynamic -lcrypto

$(BUILD)/netfence-resolver: $(BUILD)/obj/resolver/main.o $(RES_OBJS) $(BUILD)/libnetfence.a
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LDNS_LIBS) $(BIN_LIBS)

$(BUILD)/test/netfence-resolver: $(BUILD)/tobj/resolver/main.o $(TRES_OBJS) \
		$(BUILD)/test/libnetfence.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LDNS_LIBS) $(BIN_LIBS)

$(BUILD)/test/netfence: $(BUILD)/tobj/hook/main.o $(THOOK_OBJS) $(BUILD)/test/libnetfence.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(BIN_LIBS)

$(BUILD)/unit/%: tests/unit/%.c $(THOOK_OBJS) $(TRES_OBJS) $(BUILD)/test/libnetfence.a $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DNF_FAULT_INJECTION $(ALL_LDFLAGS) -o $@ $< \
		$(THOOK_OBJS) $(TRES_OBJS) $(BUILD)/test/libnetfence.a $(PKG_LIBS) \
		$$($(PKG_CONFIG) --libs cmocka ldns) -lcrypto

# Drives the learned sets (lib/kernel/nft_learn.h) in place of the resolver (tests/e2e/learn.bats).
$(BUILD)/test/learn: tests/tools/learn.c $(BUILD)/test/libnetfence.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DNF_FAULT_INJECTION $(ALL_LDFLAGS) -o $@ $< $(BUILD)/test/libnetfence.a \
		$(BIN_LIBS)

# A static probe program that runs inside test containers (connect, listen, DNS, ...).
$(BUILD)/probe: tests/probe/probe.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -static -o $@ $<

probe: $(BUILD)/probe

# Finds two ids whose names collided under the old naming scheme (tests/e2e/collide.bats).
$(BUILD)/collide: tests/collide/collide.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -o $@ $<

# Earlier netfences, built from this checkout's history, for the tests of a host table of their
# layout: old = before the learned sets (issue 11; learn.bats's in-place upgrade), prev = before
# the counters by direction and the log rules (issue 12; limits.bats). A checkout without the
# commit (a shallow clone, a tarball) builds nothing and those tests are reported skipped.
NF_REV_old := 87ab22e
NF_REV_prev := 3381ef9
$(BUILD)/old/netfence $(BUILD)/prev/netfence:
	@d=$(patsubst %/,%,$(dir $@)); rev=$(NF_REV_$(notdir $(patsubst %/,%,$(dir $@)))); \
	rm -rf $$d-src; \
	if git cat-file -e "$$rev^{commit}" 2>/dev/null; then \
		mkdir -p $$d-src $$d && \
		git archive $$rev | tar -x -C $$d-src && \
		$(MAKE) --no-print-directory -C $$d-src build/netfence >/dev/null && \
		cp $$d-src/build/netfence $@ && rm -rf $$d-src; \
	else echo "no commit $$rev here: the tests of its host table will be skipped"; fi

# Benchmarks (bench/, docs/PERFORMANCE.md): never part of check. bench/deps.sh installs the peers
# (netavark, CNI plugins) and iperf3 and gnuplot; results, .dat files and plots go to build/bench/.
$(BUILD)/connrate: bench/connrate.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -pthread -o $@ $<

bench: all $(BUILD)/connrate $(BUILD)/probe
	@bash bench/deps.sh
	@bash bench/run.sh

deps:
	@bash tests/deps.sh

unit: $(UNITS)
	@bash tests/run-unit.sh $(UNITS)

e2e: all $(BUILD)/test/netfence $(BUILD)/test/netfence-resolver $(BUILD)/probe $(BUILD)/collide $(BUILD)/old/netfence \
		$(BUILD)/test/learn $(BUILD)/prev/netfence
	@bash tests/run-e2e.sh

check: deps
	@$(MAKE) --no-print-directory all $(BUILD)/test/netfence $(BUILD)/test/netfence-resolver \
		$(BUILD)/probe $(BUILD)/collide $(BUILD)/test/learn $(BUILD)/old/netfence \
		$(BUILD)/prev/netfence $(UNITS)
	@bash tests/run-all.sh $(UNITS)

demo: deps
	@$(MAKE) --no-print-directory all $(BUILD)/probe
	@bash tests/demo.sh

ASAN_VARS = BUILD=build/asan OPT="-O1 -g -fno-omit-frame-pointer" \
	XCFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -U_FORTIFY_SOURCE" \
	XLDFLAGS="-fsanitize=address,undefined"
ASAN_UNITS := $(UNIT_SRCS:tests/unit/%.c=build/asan/unit/%)

# The binaries and unit tests with AddressSanitizer + UndefinedBehaviorSanitizer (build/asan/).
asan:
	$(MAKE) $(ASAN_VARS) build/asan/netfence build/asan/netfence-runtime build/asan/test/netfence \
		build/asan/netfence-resolver build/asan/test/netfence-resolver \
		$(ASAN_UNITS)

# The whole suite against the sanitizer build: any report fails the hook, so the test fails.
asan-check: deps asan $(BUILD)/probe
	NF_BIN=$(CURDIR)/build/asan/netfence NF_TEST_BIN=$(CURDIR)/build/asan/test/netfence \
		bash tests/run-all.sh $(ASAN_UNITS)

FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIB_SRCS) $(HDRS)
	@mkdir -p $(dir $@)
	clang -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined $(INCS) \
		$(PKG_CFLAGS) -o $@ $< $(LIB_SRCS) $(PKG_LIBS) $$($(PKG_CONFIG) --libs ldns) -lcrypto

fuzz: $(FUZZ_TARGETS)
	@bash tests/run-fuzz.sh $(FUZZ_TARGETS)

SELINUX_DEVEL ?= /usr/share/selinux/devel/Makefile
MANDIR ?= $(PREFIX)/share/man
# podman and CRI-O read hooks.d here whatever the prefix; the files name $(BINDIR)/netfence.
HOOKSDIR ?= /usr/share/containers/oci/hooks.d
NF_SHAREDIR ?= $(PREFIX)/share/netfence
# systemd reads units from /usr/lib/systemd/system and /usr/local/lib/systemd/system alike
UNITDIR ?= $(PREFIX)/lib/systemd/system
SELINUXDIR ?= $(PREFIX)/share/selinux/packages
# The SELinux module goes in when selinux-policy-dev can build it (INSTALL_SELINUX=0 leaves it).
INSTALL_SELINUX ?= $(if $(wildcard $(SELINUX_DEVEL)),1,0)
# The repository's files name /usr/local; installed copies name this prefix: the binaries' path,
# the hooks' PATH (without the /usr/local directories under another prefix) and the share dir.
HOOK_PATH_HEAD = $(if $(filter /usr,$(PREFIX)),,$(PREFIX)/sbin:$(BINDIR):)
NF_SED = sed -e 's|/usr/local/sbin:/usr/local/bin:|$(HOOK_PATH_HEAD)|g' \
	-e 's|/usr/local/bin|$(BINDIR)|g' -e 's|/usr/local/share/netfence|$(NF_SHAREDIR)|g'
# man pages: only the share dir (netfence-runtime(8) names the wrapper's built-in fallbacks)
MAN_SED = sed -e 's|/usr/local/share/netfence|$(NF_SHAREDIR)|g'
MAN_PAGES := man/netfence.8 man/netfence-runtime.8 man/netfence-resolver.8 \
	man/netfence-annotations.5
UNITS_FILES := $(wildcard deploy/systemd/*.service deploy/systemd/*.timer)
# DESTDIR-relative file list of `make install` (uninstall removes exactly these)
INSTALLED = $(BINDIR)/netfence $(BINDIR)/netfence-runtime $(BINDIR)/netfence-resolver \
	$(foreach m,$(MAN_PAGES),$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(notdir $(m))) \
	$(foreach f,$(wildcard hooks.d/*.json),$(HOOKSDIR)/$(notdir $(f)) $(NF_SHAREDIR)/$(f)) \
	$(foreach f,$(wildcard hooks.d/always/*.json),$(NF_SHAREDIR)/$(f)) \
	$(NF_SHAREDIR)/podman-hooks.d/netfence-precreate.json $(NF_SHAREDIR)/containerd-hooks.json \
	$(NF_SHAREDIR)/crio/50-netfence.conf $(NF_SHAREDIR)/netfence.json.example \
	$(foreach f,$(wildcard deploy/containerd/*.toml),$(NF_SHAREDIR)/containerd/$(notdir $(f))) \
	$(foreach f,$(wildcard deploy/kubernetes/*.yaml),$(NF_SHAREDIR)/kubernetes/$(notdir $(f))) \
	$(foreach u,$(UNITS_FILES),$(UNITDIR)/$(notdir $(u))) $(SELINUXDIR)/netfence.pp

install: $(BUILD)/netfence $(BUILD)/netfence-runtime $(BUILD)/netfence-resolver \
		$(if $(filter 1,$(INSTALL_SELINUX)),$(BUILD)/selinux/netfence.pp)
	install -D -m 0755 -t $(DESTDIR)$(BINDIR) $(BUILD)/netfence $(BUILD)/netfence-runtime \
		$(BUILD)/netfence-resolver
	@set -e; for m in $(MAN_PAGES); do \
		d=$(DESTDIR)$(MANDIR)/man$${m##*.}; echo "install $$m $$d"; \
		install -d -m 0755 $$d; $(MAN_SED) $$m >$$d/$${m##*/}; chmod 0644 $$d/$${m##*/}; \
	done
	@set -e; for f in hooks.d/*.json hooks.d/always/*.json deploy/containerd/containerd-hooks.json \
			hooks.d/podman-precreate/netfence-precreate.json deploy/crio/netfence.conf \
			deploy/netfence.json $(wildcard deploy/kubernetes/*.yaml deploy/containerd/*.toml) \
			$(UNITS_FILES); do \
		case $$f in \
		deploy/containerd/*.json) t=$(NF_SHAREDIR)/$${f##*/} ;; \
		deploy/containerd/*) t=$(NF_SHAREDIR)/containerd/$${f##*/} ;; \
		hooks.d/podman-precreate/*) t=$(NF_SHAREDIR)/podman-hooks.d/$${f##*/} ;; \
		deploy/crio/*) t=$(NF_SHAREDIR)/crio/50-netfence.conf ;; \
		deploy/netfence.json) t=$(NF_SHAREDIR)/netfence.json.example ;; \
		deploy/kubernetes/*) t=$(NF_SHAREDIR)/kubernetes/$${f##*/} ;; \
		deploy/systemd/*) t=$(UNITDIR)/$${f##*/} ;; \
		*) t=$(NF_SHAREDIR)/$$f ;; \
		esac; \
		echo "install $$f $$t"; install -d -m 0755 $(DESTDIR)$${t%/*}; \
		$(NF_SED) $$f >$(DESTDIR)$$t; chmod 0644 $(DESTDIR)$$t; \
	done
	install -D -m 0644 -t $(DESTDIR)$(HOOKSDIR) $(DESTDIR)$(NF_SHAREDIR)/hooks.d/*.json
ifeq ($(INSTALL_SELINUX),1)
	install -D -m 0644 $(BUILD)/selinux/netfence.pp $(DESTDIR)$(SELINUXDIR)/netfence.pp
endif

# Removes what install put there, then the directories of netfence's own that are left empty.
uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	rmdir $(addprefix $(DESTDIR)$(NF_SHAREDIR)/,hooks.d/always hooks.d podman-hooks.d crio containerd \
		kubernetes) $(DESTDIR)$(NF_SHAREDIR) 2>/dev/null || true

# The Debian package (debian/), built in a copy of the tree under DEB_DIR so that neither
# build/ nor the tree changes: DEB_DIR/netfence_VERSION_amd64.deb (lintian-clean).
DEB_DIR ?= $(BUILD)/deb
deb:
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/netfence-$(VERSION)
	tar -c --exclude=./build --exclude=./.git --exclude=node_modules --exclude=./tests/e2e/.work \
		--exclude=./debian/build --exclude=./debian/netfence . | \
		tar -x -C $(DEB_DIR)/netfence-$(VERSION)
	cd $(DEB_DIR)/netfence-$(VERSION) && dpkg-buildpackage -us -uc -b
	@ls $(DEB_DIR)/*.deb

# The SELinux policy module, built with selinux-policy-dev's Makefile in a copy of selinux/
# (it writes next to its sources).
selinux: $(BUILD)/selinux/netfence.pp
$(BUILD)/selinux/netfence.pp: selinux/netfence.te selinux/netfence.fc selinux/netfence.if
	@rm -rf $(BUILD)/selinux && mkdir -p $(BUILD)/selinux
	cp $^ $(BUILD)/selinux/
	$(MAKE) -C $(BUILD)/selinux -f $(SELINUX_DEVEL) netfence.pp

CLANG_FORMAT ?= clang-format
FMT_SRCS = $(foreach d,$(SRC_DIRS),$(wildcard $(d)/*.[ch])) $(wildcard tests/unit/*.c tests/probe/*.c tests/collide/*.c tests/fuzz/*.c tests/cri/*.c bench/*.c)
format:
	$(CLANG_FORMAT) -i $(FMT_SRCS)
format-check:
	@$(CLANG_FORMAT) --dry-run --Werror $(FMT_SRCS) && echo "format-check: ok"
	@bash tests/tools/include-cycles.sh

# No dependency cycle between modules: #include edges, and the symbols the objects use of one
# another (tests/tools/include-cycles.sh; format-check runs the include part).
# Debian's stock kernel under qemu/KVM, SELinux enforcing, the flowtable (tests/vm/run.sh): not
# part of `make check` (a first run builds a root filesystem with debootstrap; a boot takes
# minutes); needs /dev/kvm and tests/vm/deps.sh's packages.
vm-check: all $(BUILD)/probe selinux
	@bash tests/vm/run.sh

check-includes: $(LIB_OBJS)
	@bash tests/tools/include-cycles.sh $(LIB_OBJS)

clean:
	rm -rf build
