#!/usr/bin/env bats
# make install and make uninstall, into a staging root.

load test_helper

@test "make install puts both programs, both man pages and the completion under DESTDIR" {
	need make
	root=$BATS_TEST_TMPDIR/root
	run -0 make -s -C "$top" O="$(dirname "$FDSEND")" install DESTDIR="$root" PREFIX=/usr
	[ -x "$root/usr/bin/fdsend" ]
	[ -x "$root/usr/bin/fdrecv" ]
	[ -f "$root/usr/share/man/man1/fdsend.1" ]
	[ -f "$root/usr/share/man/man1/fdrecv.1" ]
	[ -f "$root/usr/share/bash-completion/completions/fdsend" ]
	[ -f "$root/usr/share/bash-completion/completions/fdrecv" ]
	run -0 "$root/usr/bin/fdsend" -V
}

@test "BINDIR and MANDIR override where things go" {
	root=$BATS_TEST_TMPDIR/root
	run -0 make -s -C "$top" O="$(dirname "$FDSEND")" install DESTDIR="$root" \
		BINDIR=/opt/fd/bin MANDIR=/opt/fd/man
	[ -x "$root/opt/fd/bin/fdrecv" ]
	[ -f "$root/opt/fd/man/man1/fdrecv.1" ]
}

@test "make uninstall removes what make install put there" {
	root=$BATS_TEST_TMPDIR/root
	make -s -C "$top" O="$(dirname "$FDSEND")" install DESTDIR="$root" PREFIX=/usr
	run -0 make -s -C "$top" O="$(dirname "$FDSEND")" uninstall DESTDIR="$root" PREFIX=/usr
	[ -z "$(find "$root" -type f)" ]
}

# A copy of the sources in $src, to build afresh without touching the
# programs under test. make runs there as from a clean shell: a make
# running the suite exports its variables (STATIC, O, CC, ...).
fresh_copy() {
	need make
	need readelf
	src=$BATS_TEST_TMPDIR/src
	mkdir "$src"
	cp -R "$top/Makefile" "$top/src" "$top/man" "$top/completion" "$src/"
}

fresh_make() {
	env -i PATH="$PATH" make -s -C "$src" "$@"
}

has_interpreter() {
	readelf -l "$1" | grep -q 'program interpreter'
}

@test "make install after make static installs the static programs" {
	fresh_copy
	fresh_make static >/dev/null
	run -0 fresh_make install DESTDIR="$BATS_TEST_TMPDIR/root" PREFIX=/usr
	! has_interpreter "$BATS_TEST_TMPDIR/root/usr/bin/fdsend"
	! has_interpreter "$BATS_TEST_TMPDIR/root/usr/bin/fdrecv"
	run -0 "$BATS_TEST_TMPDIR/root/usr/bin/fdrecv" -V
}

@test "make install after make static and then make installs the ordinary programs" {
	fresh_copy
	fresh_make static >/dev/null
	fresh_make >/dev/null
	run -0 fresh_make install DESTDIR="$BATS_TEST_TMPDIR/root" PREFIX=/usr
	has_interpreter "$BATS_TEST_TMPDIR/root/usr/bin/fdsend"
	has_interpreter "$BATS_TEST_TMPDIR/root/usr/bin/fdrecv"
}

@test "make install gives the programs mode 755 and the pages 644 whatever the umask" {
	need make
	root=$BATS_TEST_TMPDIR/root
	(umask 077 && make -s -C "$top" O="$(dirname "$FDSEND")" install DESTDIR="$root" PREFIX=/usr)
	run -0 stat -c '%a %n' "$root/usr/bin/fdsend" "$root/usr/bin/fdrecv" \
		"$root/usr/share/man/man1/fdsend.1" "$root/usr/share/man/man1/fdrecv.1" \
		"$root/usr/share/bash-completion/completions/fdsend" "$root/usr/share" "$root/usr/bin"
	[ "${lines[0]}" = "755 $root/usr/bin/fdsend" ]
	[ "${lines[1]}" = "755 $root/usr/bin/fdrecv" ]
	[ "${lines[2]}" = "644 $root/usr/share/man/man1/fdsend.1" ]
	[ "${lines[3]}" = "644 $root/usr/share/man/man1/fdrecv.1" ]
	[ "${lines[4]}" = "644 $root/usr/share/bash-completion/completions/fdsend" ]
	[ "${lines[5]}" = "755 $root/usr/share" ]
	[ "${lines[6]}" = "755 $root/usr/bin" ]
}

@test "make check and make lint say what is missing when bats and mandoc are" {
	fresh_copy
	fresh_make >/dev/null
	mkdir empty
	make=$(command -v make)
	run -2 env -i PATH="$BATS_TEST_TMPDIR/empty" "$make" -s -C "$src" check
	[ "${lines[0]}" = 'make check: mandoc is not installed: the man page tests are skipped (Debian: apt-get install mandoc)' ]
	[ "${lines[1]}" = 'make check: bats is not installed (Debian: apt-get install bats)' ]
	run -2 env -i PATH="$BATS_TEST_TMPDIR/empty" "$make" -s -C "$src" lint
	[ "${lines[0]}" = 'make lint: mandoc is not installed (Debian: apt-get install mandoc)' ]
}
