#!/usr/bin/env bash
# PE images in dump memory (src/target/pe_image.c) and the on-disk fallback for ELF and PE
# images (src/target/image_file.c), checked against independent tools:
#   - PE: a small DLL built here with mingw-w64 (exports incl. a forwarder from a .def file, a
#     version resource from windres), mapped the way the Windows loader maps it (sections at
#     their RVAs) into a minimal minidump (tests/target/pe_image_mkdump.py); headers, exports
#     and the version resource compared with llvm-readobj-19 (--file-headers --coff-exports
#     --coff-resources) and llvm-objdump-19 -p. Then the same dump without the pages of the
#     export directory and the resources: lookups say "not captured"; with the DLL on disk as
#     fallback they give llvm-readobj's answers; a DLL with another TimeDateStamp is refused.
#   - ELF: a live process (tests/target/elfcore_live.c) dumped with gdb's gcore; in a copy of
#     the core, libc's first PT_LOAD is cut before .dynsym (p_filesz lowered, so those pages are
#     missing, not zero); the in-dump lookup of malloc says "not captured", the fallback to
#     libc's file finds it at gdb's `p &malloc`, and a file with another build id is refused.
# Usage: tests/target/pe_image.sh   (run `make` first). Prints "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/../.."
pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
no() { fail=$((fail + 1)); echo "FAIL $1"; [ -z "${2:-}" ] || echo "$2" | head -20 | sed 's/^/     /'; }
sk() { skip=$((skip + 1)); echo "skip $1"; }
finish() { echo "$pass passed, $fail failed, $skip skipped"; [ "$fail" -eq 0 ]; }

TMP=$(mktemp -d /tmp/heapdiff-peimage.XXXXXX)
LIVE_PID=
cleanup() {
    [ -n "$LIVE_PID" ] && kill "$LIVE_PID" 2>/dev/null && wait "$LIVE_PID" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ ! -f build/libheapdiff.a ]; then
    sk "build/libheapdiff.a absent (run make first)"
    finish
    exit
fi
CC=${CC:-cc}
LIBS=$(pkg-config --libs libarchive jansson libxxhash 2>/dev/null || echo -larchive -ljansson -lxxhash)
PROBE=$TMP/probe
if ! $CC -Iinclude -Isrc -D_GNU_SOURCE -O1 -g -o "$PROBE" tests/target/pe_image_probe.c \
    build/libheapdiff.a $LIBS -lm 2>"$TMP/cc.log"; then
    no "build tests/target/pe_image_probe.c" "$(cat "$TMP/cc.log")"
    finish
    exit
fi
have_py=1
command -v python3 >/dev/null 2>&1 || have_py=0
tool() { # first of the candidates found
    local c
    for c in "$@"; do command -v "$c" >/dev/null 2>&1 && { echo "$c"; return; }; done
}
READOBJ=$(tool llvm-readobj-19 /usr/lib/llvm-19/bin/llvm-readobj llvm-readobj)
OBJDUMP=$(tool llvm-objdump-19 /usr/lib/llvm-19/bin/llvm-objdump llvm-objdump)
MINGW=$(tool x86_64-w64-mingw32-gcc)
WINDRES=$(tool x86_64-w64-mingw32-windres)

# ---------------------------------------------------------------- PE (mingw DLL in a minidump)
pe() {
    if [ -z "$MINGW" ] || [ -z "$WINDRES" ]; then
        sk "PE: mingw-w64 missing (apt-get install gcc-mingw-w64-x86-64)"
        return
    fi
    if [ -z "$READOBJ" ] || [ -z "$OBJDUMP" ]; then sk "PE: llvm-readobj/llvm-objdump (llvm-19) missing"; return; fi
    if [ "$have_py" -eq 0 ]; then sk "PE: python3 missing (minidump writer)"; return; fi
    local d=$TMP/pe
    mkdir -p "$d/disk" "$d/other"
    cat >"$d/t.c" <<'EOF'
int pe_alpha = 42;
int pe_beta(int x) { return x + 1; }
int pe_gamma(int x) { return x * 2; }
int DotNetRuntimeContractDescriptor[4] = {1, 2, 3, 4};
EOF
    cat >"$d/t.def" <<'EOF'
LIBRARY pe_test.dll
EXPORTS
    pe_alpha DATA
    pe_beta
    pe_gamma
    DotNetRuntimeContractDescriptor DATA
    pe_forwarded = KERNEL32.HeapAlloc
EOF
    cat >"$d/t.rc" <<'EOF'
1 VERSIONINFO
FILEVERSION 1,2,3,4
PRODUCTVERSION 5,6,7,8
FILEOS 0x40004
FILETYPE 2
BEGIN
  BLOCK "StringFileInfo"
  BEGIN
    BLOCK "040904b0"
    BEGIN
      VALUE "FileDescription", "heapdiff test\0"
    END
  END
END
EOF
    local dll=$d/disk/pe_test.dll
    if ! "$WINDRES" "$d/t.rc" -O coff -o "$d/t.res" 2>"$TMP/cc.log" ||
        ! "$MINGW" -shared -O1 -o "$dll" "$d/t.c" "$d/t.def" "$d/t.res" -Wl,--insert-timestamp 2>>"$TMP/cc.log"; then
        no "PE: build the test DLL with mingw-w64" "$(cat "$TMP/cc.log")"
        return
    fi
    local base=0x7ffb12340000 dmp=$d/full.dmp
    if ! python3 tests/target/pe_image_mkdump.py "$dll" "$dmp" $base 'C:\heapdiff\pe_test.dll' 2>"$TMP/py.log"; then
        no "PE: write the minidump" "$(cat "$TMP/py.log")"
        return
    fi

    # The oracle: llvm-readobj's headers, exports and resources; llvm-objdump -p.
    "$READOBJ" --file-headers --coff-exports --coff-resources "$dll" >"$d/readobj" 2>&1
    "$OBJDUMP" -p "$dll" >"$d/objdump" 2>&1
    local ts soi soh cks magic nsec ib ersize
    ts=$(sed -nE 's/^ *TimeDateStamp: .*\((0x[0-9A-F]+)\)$/\1/p' "$d/readobj" | head -1)
    soi=$(awk '$1 == "SizeOfImage:" { print $2; exit }' "$d/readobj")
    soh=$(awk '$1 == "SizeOfHeaders:" { print $2; exit }' "$d/readobj")
    cks=$(awk '$1 == "CheckSum:" { print $2; exit }' "$d/readobj")
    magic=$(awk '$1 == "Magic:" && $2 ~ /^0x/ { print $2; exit }' "$d/readobj")
    nsec=$(awk '$1 == "SectionCount:" { print $2; exit }' "$d/readobj")
    ib=$(awk '$1 == "ImageBase:" { print $2; exit }' "$d/readobj")
    local ertva=$(awk '$1 == "ExportTableRVA:" { print $2; exit }' "$d/readobj")
    ersize=$(awk '$1 == "ExportTableSize:" { print $2; exit }' "$d/readobj")
    local rsrva=$(awk '$1 == "ResourceTableRVA:" { print $2; exit }' "$d/readobj")
    local odts odsoi
    odts=$(awk '$1 == "Time/Date" { $1 = ""; sub(/^ +/, ""); print; exit }' "$d/objdump")
    odsoi=$(awk '$1 == "SizeOfImage" { print $2; exit }' "$d/objdump")
    local h
    h=$("$PROBE" "$dmp" pe_test.dll headers | head -1)
    local exp_h
    exp_h=$(printf 'base 0x%x magic 0x%x machine 0x8664 timestamp 0x%08x size_of_image 0x%x size_of_headers 0x%x checksum 0x%x image_base 0x%x sections %d export 0x%x 0x%x resource 0x%x' \
        $base "$magic" "$ts" "$soi" "$soh" "$cks" "$ib" "$nsec" "$ertva" "$ersize" "$rsrva")
    if [ "${h%% resource*}" = "${exp_h%% resource*}" ] && [[ "$h" == "$exp_h "* ]]; then
        ok "PE: headers (PE32+ magic $magic, TimeDateStamp $ts, SizeOfImage $soi, $nsec sections, export dir $ertva) = llvm-readobj --file-headers"
    else
        no "PE: headers differ from llvm-readobj" "expected: $exp_h"$'\n'"got:      $h"
    fi
    if [ "$(date -u -d "@$((ts))" '+%a %b %e %H:%M:%S %Y' 2>/dev/null | tr -s ' ')" = "$(echo "$odts" | tr -s ' ')" ] &&
        [ $((16#$odsoi)) -eq $((soi)) ]; then
        ok "PE: TimeDateStamp ($odts) and SizeOfImage (0x$odsoi) agree with llvm-objdump -p"
    else
        no "PE: llvm-objdump -p disagrees" "Time/Date '$odts' SizeOfImage $odsoi vs $ts $soi"
    fi
    # Sections: names and RVAs (the first 8 name bytes; llvm-readobj -S prints the same).
    "$READOBJ" --sections "$dll" | awk '$1 == "Name:" { n = $2 } $1 == "VirtualAddress:" { print n, $2 }' >"$d/exp.sec"
    "$PROBE" "$dmp" pe_test.dll headers | awk '$1 == "section" { print $2, $3 }' |
        while read -r n r; do printf '%s 0x%X\n' "$n" "$r"; done >"$d/got.sec"
    # llvm-readobj resolves long names ("/4") through the string table; compare RVAs, and
    # names where they fit in the header.
    if [ -s "$d/exp.sec" ] && diff <(awk '{ print $2 }' "$d/exp.sec") <(awk '{ print $2 }' "$d/got.sec") >/dev/null &&
        diff <(awk '$1 !~ /^\// && length($1) <= 8 { print $1 }' "$d/got.sec") \
            <(awk 'length($1) <= 8 && $1 !~ /^\.debug/ { print $1 }' "$d/exp.sec") >/dev/null; then
        ok "PE: $(wc -l <"$d/exp.sec") section RVAs and names = llvm-readobj --sections"
    else
        no "PE: sections differ from llvm-readobj" "$(paste "$d/exp.sec" "$d/got.sec")"
    fi

    # Exports: every name from llvm-readobj, at base + RVA, or forwarded.
    awk '/^Export \{/ { n = ""; r = ""; f = "" } $1 == "Name:" { n = $2 } $1 == "RVA:" { r = $2 }
         $1 == "ForwardedTo:" { f = $2 } /^\}/ && n != "" { print n, (f != "" ? "fwd " f : r) }' "$d/readobj" >"$d/exports"
    local good=0 bad=0 msg= n r
    while read -r n r f; do
        local got want
        got=$("$PROBE" "$dmp" pe_test.dll export "$n")
        if [ "$r" = fwd ]; then want="forwarded $n $f"; else want=$(printf 'export %s 0x%x' "$n" $((base + r))); fi
        if [ "$got" = "$want" ]; then good=$((good + 1)); else bad=$((bad + 1)) msg+="$want / $got"$'\n'; fi
    done <"$d/exports"
    local nfwd
    nfwd=$(grep -c ' fwd ' "$d/exports")
    if [ "$bad" -eq 0 ] && [ "$good" -ge 5 ] && [ "$nfwd" -ge 1 ]; then
        ok "PE: $good exports ($nfwd forwarded: $(awk '$2 == "fwd" { print $1 " -> " $3 }' "$d/exports")) = llvm-readobj --coff-exports (base + RVA)"
    else
        no "PE: exports differ from llvm-readobj ($good good)" "$msg"
    fi
    grep -q "pe_forwarded (forwarded to KERNEL32.HeapAlloc)" "$d/objdump" &&
        ok "PE: llvm-objdump -p also lists pe_forwarded as forwarded to KERNEL32.HeapAlloc" ||
        no "PE: llvm-objdump -p does not show the forwarder"
    "$PROBE" "$dmp" pe_test.dll export pe_no_such_export | grep -q '^error: .*is not exported$' &&
        ok "PE: an absent export is reported absent (not 'not captured')" || no "PE: absent export"

    # Version resource: the VS_FIXEDFILEINFO bytes llvm-readobj dumps for RT_VERSION (ID 16).
    local vhex
    vhex=$(awk '/Type: VERSIONINFO \(ID 16\)/ { v = 1 } v && /Data \(/ { d = 1; next }
                d && /^ *\)/ { exit } d { sub(/^ *[0-9A-F]+: /, ""); sub(/ *\|.*/, ""); gsub(/ /, ""); printf "%s", $0 }' "$d/readobj")
    if [ ${#vhex} -ge 184 ]; then
        # VS_FIXEDFILEINFO at +40: signature, struc version, FileVersionMS/LS, ProductVersionMS/LS.
        le32() { local s=${vhex:$((2 * $1)):8}; echo $((16#${s:6:2}${s:4:2}${s:2:2}${s:0:2})); }
        local fms fls pms pls sig
        sig=$(le32 40) fms=$(le32 48) fls=$(le32 52) pms=$(le32 56) pls=$(le32 60)
        local wantv
        wantv=$(printf 'version %d.%d.%d.%d product %d.%d.%d.%d' $((fms >> 16)) $((fms & 65535)) \
            $((fls >> 16)) $((fls & 65535)) $((pms >> 16)) $((pms & 65535)) $((pls >> 16)) $((pls & 65535)))
        local gotv
        gotv=$("$PROBE" "$dmp" pe_test.dll version)
        if [ "$sig" -eq $((0xFEEF04BD)) ] && [[ "$gotv" == "$wantv "* ]] && [[ "$wantv" == "version 1.2.3.4 product 5.6.7.8" ]]; then
            ok "PE: $wantv = VS_FIXEDFILEINFO in llvm-readobj --coff-resources (= the .rc file)"
        else
            no "PE: version resource" "readobj: $wantv (sig $sig) / heapdiff: $gotv"
        fi
    else
        no "PE: llvm-readobj --coff-resources shows no RT_VERSION data"
    fi

    # Fallback: the export directory's and the resources' pages left out of the dump.
    local part=$d/part.dmp
    python3 tests/target/pe_image_mkdump.py "$dll" "$part" $base 'C:\heapdiff\pe_test.dll' \
        --omit "$ertva" --omit "$rsrva" 2>"$TMP/py.log"
    local first_n first_r
    read -r first_n first_r < <(awk '$2 != "fwd"' "$d/exports" | tail -1)
    local got
    got=$("$PROBE" "$part" pe_test.dll export "$first_n")
    [[ "$got" == "missing: "*"export directory"*"not captured"* ]] &&
        ok "PE, export page left out: $first_n cannot be looked up (not captured)" ||
        no "PE, export page left out: expected 'missing'" "$got"
    got=$("$PROBE" "$part" pe_test.dll version)
    [[ "$got" == "missing: "* ]] && ok "PE, resource page left out: version not captured" ||
        no "PE, resource page left out: version" "$got"
    good=0 bad=0 msg=
    while read -r n r f; do
        local want
        got=$("$PROBE" "$part" pe_test.dll export "$n" "$d/disk")
        if [ "$r" = fwd ]; then want="forwarded $n $f"; else want=$(printf 'export %s 0x%x' "$n" $((base + r))); fi
        if [ "$got" = "$want" ]; then good=$((good + 1)); else bad=$((bad + 1)) msg+="$want / $got"$'\n'; fi
    done <"$d/exports"
    [ "$bad" -eq 0 ] && [ "$good" -ge 5 ] &&
        ok "PE, export page left out, DLL on disk: $good exports = llvm-readobj (incl. DotNetRuntimeContractDescriptor at $(printf 0x%x $((base + $(awk '$1 == "DotNetRuntimeContractDescriptor" { print $2 }' "$d/exports")))))" ||
        no "PE fallback: exports" "$msg"
    got=$("$PROBE" "$part" pe_test.dll version "" "$d/disk")
    [[ "$got" == "version 1.2.3.4 product 5.6.7.8 "* ]] && ok "PE, resource page left out, DLL on disk: version 1.2.3.4" ||
        no "PE fallback: version" "$got"
    # Another build of the DLL (TimeDateStamp changed in a copy): refused, both stamps named.
    python3 - "$dll" "$d/other/pe_test.dll" <<'EOF'
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
l, = struct.unpack_from('<I', d, 0x3c)
ts, = struct.unpack_from('<I', d, l + 8)
struct.pack_into('<I', d, l + 8, ts ^ 0x5a5a)
open(sys.argv[2], 'wb').write(d)
EOF
    got=$("$PROBE" "$part" pe_test.dll export "$first_n" "$d/other")
    local rc=$?
    local ts2
    ts2=$(printf '0x%08x' $((ts ^ 0x5a5a)))
    if [ $rc -eq 3 ] && [[ "$got" == *refused*"$ts2"*"$(printf '0x%08x' $((ts)))"* ]]; then
        ok "PE: a DLL with another TimeDateStamp ($ts2) is refused, naming both"
    else
        no "PE: mismatched DLL not refused" "$got"
    fi
}
pe

# ---------------------------------------------------------------- ELF (gcore, libc's .dynsym cut)
elf() {
    if ! command -v gdb >/dev/null 2>&1; then sk "ELF: gdb missing"; return; fi
    if [ "$have_py" -eq 0 ]; then sk "ELF: python3 missing"; return; fi
    if ! command -v readelf >/dev/null 2>&1; then sk "ELF: readelf (binutils) missing"; return; fi
    if ! $CC -O1 -g -pthread -o "$TMP/live" tests/target/elfcore_live.c -ldl 2>"$TMP/cc.log"; then
        no "ELF: build elfcore_live.c" "$(cat "$TMP/cc.log")"
        return
    fi
    "$TMP/live" >"$TMP/live.out" &
    LIVE_PID=$!
    local i
    for ((i = 0; i < 100; i++)); do grep -q '^ready' "$TMP/live.out" 2>/dev/null && break; sleep 0.1; done
    if ! grep -q '^ready' "$TMP/live.out"; then no "ELF: process did not start"; return; fi
    cp /proc/$LIVE_PID/maps "$TMP/maps"
    gdb -batch -nx -p "$LIVE_PID" -ex "gcore $TMP/live.core" >"$TMP/gcore.log" 2>&1
    kill "$LIVE_PID" 2>/dev/null
    wait "$LIVE_PID" 2>/dev/null
    LIVE_PID=
    if [ ! -s "$TMP/live.core" ]; then
        sk "ELF: gcore could not attach (ptrace not permitted here?): $(tail -1 "$TMP/gcore.log")"
        return
    fi
    local libc libc_base
    read -r libc_base libc < <(awk '$6 ~ /\/libc[.-][^\/]*so/ && $3 == "00000000" { split($1, r, "-"); print r[1], $6; exit }' "$TMP/maps")
    if [ -z "$libc" ]; then sk "ELF: no libc mapping found"; return; fi
    local dynsym
    dynsym=$(readelf -SW "$libc" | awk '{ for (i = 1; i < NF; i++) if ($i == ".dynsym") print $(i + 3) }')
    local gdb_m
    gdb_m=$(gdb -batch -nx "$TMP/live" "$TMP/live.core" -ex 'p &malloc' 2>/dev/null | sed -nE 's/^\$1 = .*(0x[0-9a-f]+) <.*/\1/p')
    # Cut libc's first PT_LOAD in a copy of the core before .dynsym's page.
    local cut=$(((16#$dynsym) & ~0xfff))
    local cutcore=$TMP/cut.core
    if ! python3 - "$TMP/live.core" "$cutcore" "$((16#$libc_base))" "$cut" <<'EOF'; then
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
base, cut = int(sys.argv[3]), int(sys.argv[4])
phoff, = struct.unpack_from('<Q', d, 32)
phnum, = struct.unpack_from('<H', d, 56)
for i in range(phnum):
    at = phoff + 56 * i
    t, _, off, va, _, fs, ms = struct.unpack_from('<IIQQQQQ', d, at)
    if t == 1 and va == base and fs > cut:
        struct.pack_into('<Q', d, at + 32, cut)
        break
else:
    sys.exit('no PT_LOAD at the libc base with more than the cut')
open(sys.argv[2], 'wb').write(d)
EOF
        no "ELF: cut libc's PT_LOAD in the core copy"
        return
    fi
    local name
    name=/$(basename "$libc")
    local got
    got=$("$PROBE" "$TMP/live.core" "$name" elfsym malloc)
    [ "$got" = "elfsym malloc $gdb_m" ] && ok "ELF: malloc at $gdb_m in the whole core = gdb p &malloc" ||
        no "ELF: malloc in the whole core" "gdb $gdb_m, heapdiff $got"
    got=$("$PROBE" "$cutcore" "$name" elfsym malloc)
    [[ "$got" == "missing: "*"not captured"* ]] &&
        ok "ELF: libc's PT_LOAD cut at 0x$(printf %x $cut) (.dynsym at 0x$dynsym, readelf -S): malloc not captured" ||
        no "ELF: cut core should say not captured" "$got"
    got=$("$PROBE" "$cutcore" "$name" elfsym malloc path)
    [ -n "$gdb_m" ] && [ "$got" = "elfsym malloc $gdb_m" ] &&
        ok "ELF: with $libc on disk (same build id) malloc at ${got##* } = gdb p &malloc" ||
        no "ELF: fallback malloc" "gdb $gdb_m, heapdiff $got"
    # A file of the same name with another build id (another library renamed) is refused.
    local other
    other=$(awk '$6 ~ /^\// && $6 !~ /\/libc[.-]/ { print $6 }' "$TMP/maps" | sort -u | head -1)
    mkdir -p "$TMP/otherlib"
    cp "$other" "$TMP/otherlib/$(basename "$libc")"
    local id_libc id_other
    id_libc=$(readelf -n "$libc" | awk '/Build ID:/ { print $3; exit }')
    id_other=$(readelf -n "$other" | awk '/Build ID:/ { print $3; exit }')
    got=$("$PROBE" "$cutcore" "$name" elfsym malloc "$TMP/otherlib")
    local rc=$?
    if [ $rc -eq 3 ] && [ -n "$id_other" ] && [[ "$got" == *"refused: its build id $id_other differs from the dump's $id_libc"* ]]; then
        ok "ELF: $(basename "$other") renamed $(basename "$libc") (build id ${id_other:0:12}..., readelf -n) refused, naming both ids"
    else
        no "ELF: mismatched file not refused" "$got (libc $id_libc, other $id_other)"
    fi
}
elf

finish
