#!/usr/bin/env python3
"""Writes the generated families of the fidelity corpus (tests/fidelity/cases/gen-*.json).

The committed case files are what the harness runs; this script only saves typing when
a family grows. Hand-written cases live in the other files of cases/.
"""
import json
import os
import sys

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cases")
PAGE = 4096


def case(name, steps, description=""):
    c = {"name": name}
    if description:
        c["description"] = description
    c["steps"] = steps
    return c


def mm(m, pages, prot="rw", flags="private|anonymous", **kw):
    s = {"op": "mmap", "map": m, "pages": pages, "prot": prot, "flags": flags}
    s.update(kw)
    return s


def obs(proc=None, **kw):
    s = {"op": "observe"}
    if proc:
        s["proc"] = proc
    s.update(kw)
    return s


def op(opname, **kw):
    s = {"op": opname}
    s.update(kw)
    return s


def touch(m, page=0, pages=None, write=False, proc=None, **kw):
    s = {"op": "touch", "map": m, "page": page, "write": write}
    if pages is not None:
        s["pages"] = pages
    if proc:
        s["proc"] = proc
    s.update(kw)
    return s


def mmap_errors():
    cs = []
    cs.append(case("mmap-len-zero", [mm("A", 0, len=0), obs()], "length 0 -> EINVAL"))
    cs.append(case("mmap-len-overflow", [op("mmap", map="A", len=2**64 - 100, prot="rw", flags="private|anonymous")],
                   "a length that overflows page alignment -> ENOMEM"))
    cs.append(case("mmap-len-beyond-task-size", [op("mmap", map="A", len=0x800000000000, prot="rw", flags="private|anonymous")]))
    cs.append(case("mmap-no-type", [mm("A", 1, flags="anonymous"), mm("B", 1, flags="fixed|anonymous")],
                   "neither MAP_SHARED nor MAP_PRIVATE -> EINVAL"))
    cs.append(case("mmap-shared-validate-anon", [mm("A", 2, flags="shared_validate|anonymous"), touch("A", write=True), obs()]))
    cs.append(case("mmap-shared-validate-unknown-flag", [op("file", name="f", pages=1),
                   mm("A", 1, prot="r", flags="shared_validate|0x400", file="f", open="r")]))
    cs.append(case("mmap-bad-fd", [mm("A", 1, prot="r", flags="private", fd="bad"), mm("B", 1, prot="r", flags="shared", fd="bad")]))
    cs.append(case("mmap-directory", [mm("A", 1, prot="r", flags="private", fd="dir")]))
    cs.append(case("mmap-wronly-fd", [op("file", name="f", pages=1), mm("A", 1, prot="r", flags="shared", file="f", open="w"),
                   mm("B", 1, prot="r", flags="private", file="f", open="w")]))
    cs.append(case("mmap-shared-write-rdonly-fd", [op("file", name="f", pages=2),
                   mm("A", 2, prot="rw", flags="shared", file="f", open="r"),
                   mm("B", 2, prot="r", flags="shared", file="f", open="r"),
                   mm("C", 2, prot="rw", flags="private", file="f", open="r"),
                   touch("C", write=True), obs()],
                   "PROT_WRITE|MAP_SHARED on an O_RDONLY fd -> EACCES; MAP_PRIVATE is fine"))
    cs.append(case("mmap-unaligned-offset", [op("file", name="f", pages=4), mm("A", 1, prot="r", flags="private", file="f", open="r", offset=100)]))
    cs.append(case("mmap-offset-overflow", [op("file", name="f", pages=1),
                   mm("A", 4, prot="r", flags="private", file="f", open="r", offset=2**64 - 8192)]))
    cs.append(case("mmap-fixed-unaligned", [mm("A", 4), mm("B", 1, flags="private|anonymous|fixed", at={"map": "A", "byte": 100})]))
    cs.append(case("mmap-hint-unaligned-moved", [mm("A", 8), op("munmap", map="A"),
                   mm("B", 2, at={"map": "A", "page": 2, "byte": 100}), obs()]))
    cs.append(case("mmap-hint-taken-moved", [mm("A", 4), mm("B", 2, at={"map": "A", "page": 1}), obs()]))
    cs.append(case("mmap-fixed-noreplace-overlap", [mm("A", 4), mm("B", 2, flags="private|anonymous|fixed_noreplace", at={"map": "A", "page": 3}), obs()]))
    cs.append(case("mmap-fixed-noreplace-free", [mm("A", 4), op("munmap", map="A", page=2, pages=2),
                   mm("B", 2, flags="private|anonymous|fixed_noreplace", at={"map": "A", "page": 2}), obs()]))
    cs.append(case("mmap-fixed-below-min-addr", [mm("A", 1, flags="private|anonymous|fixed", at={"abs": 0})]))
    cs.append(case("mmap-fixed-at-min-addr", [mm("A", 1, flags="private|anonymous|fixed", at={"abs": 65536}), touch("A", write=True), obs()]))
    cs.append(case("mmap-hint-below-min-addr", [mm("A", 1, at={"abs": 0}), mm("B", 1, at={"abs": 4095}), obs()]))
    cs.append(case("mmap-fixed-replaces", [mm("A", 6), touch("A", write=True), mm("B", 2, prot="r", flags="private|anonymous|fixed", at={"map": "A", "page": 2}), obs(maps=["A"])]))
    cs.append(case("mmap-hugetlb-anon", [mm("A", 512, flags="private|anonymous|hugetlb")]))
    cs.append(case("mmap-growsdown-file", [op("file", name="f", pages=2), mm("A", 1, prot="r", flags="private|growsdown", file="f", open="r")]))
    cs.append(case("mmap-thp-aligned-anon", [mm("A", 1), mm("B", 512), mm("C", 1), obs()],
                   "anonymous lengths that are a multiple of 2 MiB are 2 MiB aligned"))
    cs.append(case("mmap-exec-prot", [mm("A", 2, prot="rwx"), mm("B", 2, prot="x"), mm("C", 1, prot="none"), touch("A", write=True), obs()]))
    cs.append(case("mmap-populate", [mm("A", 8, flags="private|anonymous|populate"), obs(), touch("A", write=True), obs()]))
    cs.append(case("mmap-populate-file", [op("file", name="f", pages=8), mm("A", 8, prot="r", flags="private|populate", file="f", open="r"), obs()]))
    cs.append(case("mmap-noreserve", [mm("A", 4, flags="private|anonymous|noreserve"), obs()]))
    cs.append(case("mmap-locked-small", [mm("A", 4, flags="private|anonymous|locked"), obs()]))
    return cs


def munmap_cases():
    cs = []
    cs.append(case("munmap-unaligned", [mm("A", 4), op("munmap", map="A", byte=8, pages=1), obs()]))
    cs.append(case("munmap-len-zero", [mm("A", 4), op("munmap", map="A", len=0), obs()]))
    cs.append(case("munmap-unmapped", [mm("A", 4), op("munmap", map="A"), op("munmap", map="A"), obs()]))
    cs.append(case("munmap-middle-split", [mm("A", 8), touch("A", write=True), op("munmap", map="A", page=3, pages=2), obs()]))
    cs.append(case("munmap-across-two", [mm("A", 4, prot="r"), mm("B", 4), op("munmap", map="B", page=2, pages=4), obs()]))
    cs.append(case("munmap-unaligned-len-rounds", [mm("A", 4), op("munmap", map="A", len=5000), obs()]))
    cs.append(case("munmap-then-touch", [mm("A", 4), op("munmap", map="A", page=1, pages=1), touch("A", page=1, pages=1), obs()]))
    return cs


def mprotect_cases():
    cs = []
    cs.append(case("mprotect-hole", [mm("A", 4, prot="r"), op("munmap", map="A", page=2, pages=1),
                   op("mprotect", map="A", pages=4, prot="rw"), obs()],
                   "a hole -> ENOMEM, VMAs before it already changed"))
    cs.append(case("mprotect-unaligned", [mm("A", 4), op("mprotect", map="A", byte=1, pages=1, prot="r")]))
    cs.append(case("mprotect-bad-prot", [mm("A", 4), op("mprotect", map="A", prot=0x10), op("mprotect", map="A", prot=0x8), obs()]))
    cs.append(case("mprotect-len-zero", [mm("A", 4), op("mprotect", map="A", len=0, prot="r"), obs()]))
    cs.append(case("mprotect-shared-rdonly-write", [op("file", name="f", pages=2), mm("A", 2, prot="r", flags="shared", file="f", open="r"),
                   op("mprotect", map="A", prot="rw"), op("mprotect", map="A", prot="rx"), obs()]))
    cs.append(case("mprotect-private-rdonly-write", [op("file", name="f", pages=2), mm("A", 2, prot="r", flags="private", file="f", open="r"),
                   op("mprotect", map="A", prot="rw"), touch("A", write=True), obs()]))
    cs.append(case("mprotect-middle-split", [mm("A", 8), touch("A", write=True), op("mprotect", map="A", page=2, pages=3, prot="r"), obs(),
                   op("mprotect", map="A", page=2, pages=3, prot="rw"), obs()], "partial mprotect splits; restoring merges"))
    cs.append(case("mprotect-start-split", [mm("A", 8), op("mprotect", map="A", pages=3, prot="r"), obs()]))
    cs.append(case("mprotect-end-split", [mm("A", 8), op("mprotect", map="A", page=5, prot="none"), obs()]))
    cs.append(case("mprotect-write-fault", [mm("A", 4), touch("A", write=True), op("mprotect", map="A", prot="r"), touch("A", write=True), touch("A"), obs()]))
    cs.append(case("mprotect-none-read", [mm("A", 4), touch("A", write=True), op("mprotect", map="A", prot="none"), touch("A"), obs()]))
    cs.append(case("mprotect-growsdown-flag", [mm("A", 4), op("mprotect", map="A", prot=0x01000001)]))
    cs.append(case("mprotect-ro-to-rw-nofault", [mm("A", 4), touch("A", write=True), op("mprotect", map="A", prot="r"),
                   op("mprotect", map="A", prot="rw"), obs(), touch("A", write=True), obs()],
                   "exclusive anonymous pages become writable again without a fault"))
    cs.append(case("mprotect-merge-neighbours", [mm("A", 4), mm("B", 4, prot="r", flags="private|anonymous|fixed", at={"map": "A", "page": 4}),
                   obs(), op("mprotect", map="B", prot="rw"), obs()]))
    return cs


def madvise_cases():
    cs = []
    cs.append(case("madvise-hole", [mm("A", 4), touch("A", write=True), op("munmap", map="A", page=1, pages=1),
                   op("madvise", map="A", pages=4, advice="dontneed"), obs()], "a hole -> ENOMEM, mapped parts still processed"))
    cs.append(case("madvise-unaligned", [mm("A", 4), op("madvise", map="A", byte=4, pages=1, advice="dontneed")]))
    cs.append(case("madvise-bad-advice", [mm("A", 4), op("madvise", map="A", advice=99), op("madvise", map="A", advice=7)]))
    cs.append(case("madvise-len-zero", [mm("A", 4), op("madvise", map="A", len=0, advice="dontneed")]))
    cs.append(case("madvise-dontneed-locked", [mm("A", 2, flags="private|anonymous|locked"), op("madvise", map="A", advice="dontneed"), obs()]))
    cs.append(case("madvise-free-file", [op("file", name="f", pages=2), mm("A", 2, flags="private", file="f"), op("madvise", map="A", advice="free")]))
    cs.append(case("madvise-free-shared-anon", [mm("A", 2, flags="shared|anonymous"), op("madvise", map="A", advice="free")]))
    cs.append(case("madvise-wipeonfork-file", [op("file", name="f", pages=2), mm("A", 2, flags="private", file="f"), op("madvise", map="A", advice="wipeonfork")]))
    cs.append(case("madvise-wipeonfork-shared", [mm("A", 2, flags="shared|anonymous"), op("madvise", map="A", advice="wipeonfork")]))
    for kind, flags, f in [("private-anon", "private|anonymous", None), ("shared-anon", "shared|anonymous", None),
                           ("private-file", "private", "f"), ("shared-file", "shared", "f")]:
        steps = []
        if f:
            steps.append(op("file", name="f", pages=4))
        s = mm("A", 4, flags=flags)
        if f:
            s["file"] = f
        steps += [s, op("store", map="A", off=10, data="hello"), op("store", map="A", page=2, data="xy"), obs(),
                  op("madvise", map="A", pages=4, advice="dontneed"), obs(),
                  op("load", map="A", off=8, len=8), op("load", map="A", page=2, len=4), obs()]
        cs.append(case("madvise-dontneed-" + kind, steps, "MADV_DONTNEED: private anon zeros, private file the file again, shared kept"))
    cs.append(case("madvise-free-private-anon", [mm("A", 4), touch("A", write=True), op("madvise", map="A", advice="free"), obs(),
                   op("store", map="A", data="z"), op("load", map="A", page=1, len=1), obs()]))
    cs.append(case("madvise-random-split", [mm("A", 8), op("madvise", map="A", page=2, pages=2, advice="random"), obs(),
                   op("madvise", map="A", page=2, pages=2, advice="normal"), obs()]))
    cs.append(case("madvise-dontfork-split", [mm("A", 8), op("madvise", map="A", page=4, advice="dontfork"), obs()]))
    cs.append(case("madvise-willneed-file", [op("file", name="f", pages=8), op("evict", name="f"),
                   mm("A", 8, prot="r", flags="private", file="f", open="r"), op("madvise", map="A", advice="willneed"), touch("A"), obs()]))
    cs.append(case("madvise-populate-write", [mm("A", 6), op("madvise", map="A", advice="populate_write"), obs(), touch("A", write=True), obs()]))
    cs.append(case("madvise-populate-read-file", [op("file", name="f", pages=6), mm("A", 6, prot="r", flags="shared", file="f", open="r"),
                   op("madvise", map="A", advice="populate_read"), obs()]))
    cs.append(case("madvise-populate-write-readonly", [mm("A", 2, prot="r"), op("madvise", map="A", advice="populate_write")]))
    cs.append(case("madvise-remove-shared-file", [op("file", name="f", pages=4), mm("A", 4, flags="shared", file="f"),
                   touch("A", write=True, value=7), op("madvise", map="A", page=1, pages=2, advice="remove"), obs(),
                   op("load", map="A", page=1, len=2), op("load", map="A", len=1), obs()]))
    cs.append(case("madvise-remove-private", [mm("A", 2), op("madvise", map="A", advice="remove")]))
    cs.append(case("madvise-cold-pageout", [mm("A", 4), touch("A", write=True), op("madvise", map="A", advice="cold"), obs()]))
    return cs


def msync_cases():
    cs = []
    pre = [op("file", name="f", pages=4), mm("A", 4, flags="shared", file="f")]
    cs.append(case("msync-bad-flags", pre + [op("msync", map="A", flags=8), op("msync", map="A", flags="sync|async")]))
    cs.append(case("msync-unaligned", pre + [op("msync", map="A", byte=12, pages=1, flags="sync")]))
    cs.append(case("msync-unmapped", pre + [op("munmap", map="A"), op("msync", map="A", flags="sync"), op("msync", map="A", flags="async")]))
    cs.append(case("msync-hole", pre + [op("munmap", map="A", page=1, pages=1), op("msync", map="A", pages=4, flags="sync"),
                   op("msync", map="A", pages=4, flags="async")]))
    cs.append(case("msync-invalidate-locked", [mm("A", 2, flags="private|anonymous|locked"), op("msync", map="A", flags="invalidate"),
                   op("msync", map="A", flags="sync")]))
    cs.append(case("msync-sync-then-write", pre + [touch("A", write=True), obs(), op("msync", map="A", flags="sync"), obs(),
                   touch("A", write=True), obs()], "after writeback the next write faults again (write-notify)"))
    cs.append(case("msync-async", pre + [touch("A", write=True), op("msync", map="A", flags="async"), touch("A", write=True), obs()]))
    cs.append(case("msync-anon", [mm("A", 2), op("msync", map="A", flags="sync"), op("msync", map="A", len=0, flags="sync")]))
    return cs


def mremap_cases():
    cs = []
    cs.append(case("mremap-unaligned", [mm("A", 4), op("mremap", map="A", byte=8, pages=1, new_pages=2)]))
    cs.append(case("mremap-new-size-zero", [mm("A", 4), op("mremap", map="A", new_len=0)]))
    cs.append(case("mremap-fixed-without-maymove", [mm("A", 4), mm("B", 8), op("mremap", map="A", new_pages=4, flags="fixed", to={"map": "B"})]))
    cs.append(case("mremap-overlap", [mm("A", 8), op("mremap", map="A", pages=4, new_pages=4, flags="maymove|fixed", to={"map": "A", "page": 2})]))
    cs.append(case("mremap-unmapped", [mm("A", 4), op("munmap", map="A"), op("mremap", map="A", pages=4, new_pages=8, flags="maymove")]))
    cs.append(case("mremap-grow-blocked", [mm("A", 4), mm("B", 4), op("mremap", map="B", new_pages=8), obs()],
                   "cannot grow in place without MAYMOVE -> ENOMEM"))
    cs.append(case("mremap-grow-in-place", [mm("A", 4), mm("B", 4), op("munmap", map="A"), op("mremap", map="B", new_pages=6),
                   touch("B", write=True), obs()]))
    cs.append(case("mremap-shrink", [mm("A", 8), touch("A", write=True), op("mremap", map="A", new_pages=3), obs()]))
    cs.append(case("mremap-move", [mm("A", 4), mm("B", 4), op("store", map="B", data="moved"),
                   op("mremap", map="B", new_pages=16, flags="maymove"), op("load", map="B", len=5), obs()]))
    cs.append(case("mremap-fixed-move", [mm("A", 4), mm("B", 8), op("store", map="A", page=1, data="abc"),
                   op("mremap", map="A", new_pages=4, flags="maymove|fixed", to={"map": "B", "page": 2}, **{"as": "C"}),
                   op("load", map="C", page=1, len=3), obs()]))
    cs.append(case("mremap-dup-shared", [mm("A", 2, flags="shared|anonymous"), op("store", map="A", data="dup"),
                   op("mremap", map="A", len=0, new_pages=2, flags="maymove", **{"as": "B"}),
                   op("load", map="B", len=3), obs()], "old_size 0 on a shared mapping duplicates it"))
    cs.append(case("mremap-dup-private", [mm("A", 2), op("mremap", map="A", len=0, new_pages=2, flags="maymove", **{"as": "B"})]))
    cs.append(case("mremap-dontunmap", [mm("A", 4), touch("A", write=True),
                   op("mremap", map="A", pages=4, new_pages=4, flags="maymove|dontunmap", **{"as": "B"}), obs(),
                   op("load", map="A", len=1), op("load", map="B", len=1), obs()]))
    cs.append(case("mremap-across-vmas", [mm("A", 4), op("mprotect", map="A", page=2, prot="r"), op("mremap", map="A", pages=4, new_pages=8, flags="maymove")]))
    cs.append(case("mremap-bad-flags", [mm("A", 4), op("mremap", map="A", new_pages=8, flags=8)]))
    return cs


def brk_cases():
    cs = []
    cs.append(case("brk-grow-touch", [op("brk", delta_pages=4), op("touch", map="heap", write=True), obs(),
                   op("brk", delta_pages=2), obs()]))
    cs.append(case("brk-shrink", [op("brk", delta_pages=8), op("touch", map="heap", write=True), op("brk", delta_pages=-5), obs(),
                   op("brk", to=0), obs()]))
    cs.append(case("brk-below-start", [op("brk", delta_pages=2), op("brk", to=-4096), op("brk", to=-1), obs()]))
    cs.append(case("brk-unaligned", [op("brk", to=100), op("brk", to=5000), op("touch", map="heap", write=True), obs(),
                   op("brk", to=4095), obs()]))
    cs.append(case("brk-query", [op("brk"), op("brk", to=0)]))
    cs.append(case("brk-fork", [op("brk", delta_pages=3), op("touch", map="heap", write=True), op("fork", child="c"),
                   op("touch", map="heap", write=True, proc="c"), obs(), obs("c")]))
    return cs


def fault_cases():
    cs = []
    # demand zero
    cs.append(case("anon-read-then-write", [mm("A", 4), touch("A"), obs(), touch("A", write=True), obs()]))
    cs.append(case("anon-write-then-read", [mm("A", 4), touch("A", write=True), touch("A"), obs()]))
    cs.append(case("anon-bytes-zero", [mm("A", 2), op("load", map="A", off=4090, len=12), obs()]))
    cs.append(case("anon-store-load-span", [mm("A", 3), op("store", map="A", off=4094, data="span"), op("load", map="A", off=4094, len=4), obs()]))
    cs.append(case("segv-maperr", [mm("A", 2), op("munmap", map="A"), op("load", map="A", len=1), op("store", map="A", data="x"), obs()]))
    cs.append(case("segv-accerr", [mm("A", 2, prot="r"), op("store", map="A", data="x"), mm("B", 1, prot="none"), op("load", map="B", len=1), obs()]))
    cs.append(case("segv-partial-store", [mm("A", 2), op("mprotect", map="A", page=1, prot="r"), op("store", map="A", off=4090, data="0123456789"),
                   op("load", map="A", off=4090, len=6), obs()]))
    # fault-around
    for n, at, fpages, vpages, off in [("0", 0, 32, 32, 0), ("mid", 20, 32, 32, 0), ("last", 31, 32, 32, 0),
                                       ("small-file", 0, 5, 5, 0), ("offset", 0, 32, 24, 3), ("offset-mid", 9, 40, 30, 5),
                                       ("vma-shorter", 2, 32, 6, 0)]:
        cs.append(case("fault-around-" + n, [op("file", name="f", pages=fpages),
                       mm("F", vpages, prot="r", flags="private", file="f", open="r", offset_pages=off),
                       op("load", map="F", page=at, len=1), obs(), touch("F"), obs()]))
    cs.append(case("fault-around-unaligned-vma", [op("file", name="f", pages=40), mm("G", 64, prot="none"),
                   mm("F", 24, prot="r", flags="private|fixed", file="f", open="r", at={"map": "G", "page": 37}),
                   op("load", map="F", page=4, len=1), obs(maps=["F"])], "the window is aligned on the virtual address"))
    cs.append(case("fault-around-eof-partial", [op("file", name="f", size=10 * PAGE + 100), mm("F", 16, prot="r", flags="private", file="f", open="r"),
                   op("load", map="F", len=1), obs(), op("load", map="F", page=10, off=90, len=20), obs(), op("load", map="F", page=11, len=1), obs()],
                   "with EOF at 10 pages + 100 bytes, 11 pages are mapped; the tail reads as zeros; beyond is SIGBUS"))
    cs.append(case("fault-around-shared", [op("file", name="f", pages=20), mm("F", 20, prot="r", flags="shared", file="f", open="r"),
                   op("load", map="F", page=5, len=1), obs()]))
    cs.append(case("fault-around-after-partial-munmap", [op("file", name="f", pages=20), mm("F", 20, prot="r", flags="private", file="f", open="r"),
                   op("munmap", map="F", page=4, pages=2), op("load", map="F", len=1), obs()]))
    # file writes
    cs.append(case("file-private-write-cow", [op("file", name="f", pages=4), mm("F", 4, flags="private", file="f"),
                   op("store", map="F", data="Z"), obs(), op("load", map="F", len=2), op("load", map="F", page=1, len=2), obs()]))
    cs.append(case("file-private-read-then-write", [op("file", name="f", pages=4), mm("F", 4, flags="private", file="f"),
                   touch("F"), obs(), touch("F", write=True), obs()]))
    cs.append(case("file-shared-read-then-write", [op("file", name="f", pages=4), mm("F", 4, flags="shared", file="f"),
                   touch("F"), obs(), touch("F", write=True), obs()], "write-notify: a read then a write costs two faults"))
    cs.append(case("file-shared-write", [op("file", name="f", pages=4), mm("F", 4, flags="shared", file="f"),
                   touch("F", write=True), obs()]))
    # EOF
    cs.append(case("file-sigbus-beyond-eof", [op("file", name="f", size=PAGE), mm("F", 4, prot="r", flags="shared", file="f", open="r"),
                   op("load", map="F", page=1, len=1), op("load", map="F", page=3, len=1), obs()]))
    cs.append(case("file-sigbus-write-private", [op("file", name="f", size=100), mm("F", 2, flags="private", file="f"),
                   op("store", map="F", off=50, data="ok"), op("store", map="F", page=1, data="no"), obs()]))
    cs.append(case("file-truncate-shrink", [op("file", name="f", pages=4), mm("F", 4, prot="r", flags="shared", file="f", open="r"),
                   touch("F"), obs(), op("truncate", name="f", size=PAGE + 10), obs(), op("load", map="F", page=1, off=5, len=10),
                   op("load", map="F", page=2, len=1), obs()]))
    cs.append(case("file-truncate-grow", [op("file", name="f", size=100), mm("F", 4, prot="r", flags="shared", file="f", open="r"),
                   op("load", map="F", page=2, len=1), op("truncate", name="f", pages=4), op("load", map="F", page=2, len=4), obs()]))
    cs.append(case("file-truncate-private-copy", [op("file", name="f", pages=3), mm("F", 3, flags="private", file="f"),
                   touch("F", write=True), op("truncate", name="f", size=PAGE), obs(), op("load", map="F", page=2, len=1), obs()]))
    cs.append(case("file-write-seen-through-mapping", [op("file", name="f", pages=2), mm("F", 2, prot="r", flags="shared", file="f", open="r"),
                   op("load", map="F", len=3), op("fwrite", name="f", off=1, data="QQ"), op("load", map="F", len=3), obs()]))
    cs.append(case("file-sparse-read", [op("file", name="f", pages=8, fill="zero"), mm("F", 8, prot="r", flags="private", file="f", open="r"),
                   op("load", map="F", page=3, len=2), obs(), touch("F"), obs()]))
    cs.append(case("file-major-fault", [op("file", name="f", pages=8), op("evict", name="f"),
                   mm("F", 8, prot="r", flags="private", file="f", open="r"), op("load", map="F", page=2, len=1), obs(), touch("F"), obs()]))
    cs.append(case("file-unlinked-mapping", [op("file", name="f", pages=2), mm("F", 2, flags="shared", file="f"), op("unlink", name="f"),
                   touch("F", write=True), obs()]))
    # growsdown
    cs.append(case("growsdown-grow", [mm("G", 4, flags="private|anonymous|growsdown"), obs(),
                   op("store", at={"map": "G", "page": -1}, data="g"), obs()]))
    cs.append(case("growsdown-far", [mm("G", 4, flags="private|anonymous|growsdown"),
                   op("store", at={"map": "G", "page": -40}, data="g"), obs()]))
    return cs


def fork_cases():
    cs = []
    cs.append(case("fork-parent-writes-first", [mm("A", 4), touch("A", write=True), op("fork", child="c"), obs(), obs("c"),
                   touch("A", write=True), obs(), obs("c"), touch("A", write=True, proc="c"), obs(), obs("c")],
                   "parent copies; the child's later write reuses the original"))
    cs.append(case("fork-child-writes-first", [mm("A", 4), touch("A", write=True), op("fork", child="c"),
                   touch("A", write=True, proc="c"), obs(), obs("c"), touch("A", write=True), obs(), obs("c")]))
    cs.append(case("fork-grandchild", [mm("A", 4), touch("A", write=True), op("fork", child="c"), op("fork", proc="c", child="g"),
                   obs(), obs("c"), obs("g"), touch("A", write=True, proc="g"), obs(), obs("c"), obs("g"),
                   touch("A", write=True, proc="c"), obs("c"), touch("A", write=True), obs()]))
    cs.append(case("fork-reuse-after-child-exit", [mm("A", 4), touch("A", write=True), op("fork", child="c"), op("exit", proc="c"),
                   obs(), touch("A", write=True), obs()]))
    cs.append(case("fork-reuse-after-parent-copied", [mm("A", 2), touch("A", write=True), op("fork", child="c"), op("fork", child="d"),
                   touch("A", write=True), touch("A", write=True, proc="c"), obs("c"), touch("A", write=True, proc="d"), obs("d"), obs()]))
    cs.append(case("fork-read-shares", [mm("A", 4), touch("A", write=True), op("fork", child="c"), touch("A", proc="c"), obs("c"), obs()]))
    cs.append(case("fork-file-private-unwritten", [op("file", name="f", pages=4), mm("F", 4, prot="r", flags="private", file="f", open="r"),
                   touch("F"), op("fork", child="c"), obs("c"), op("load", map="F", len=1, proc="c"), obs("c")],
                   "a never-written private file mapping is refaulted by the child"))
    cs.append(case("fork-file-private-written", [op("file", name="f", pages=4), mm("F", 4, flags="private", file="f"),
                   op("store", map="F", data="w"), touch("F"), op("fork", child="c"), obs("c"), touch("F", proc="c"), obs("c"),
                   touch("F", write=True, proc="c"), obs("c")]))
    cs.append(case("fork-shared-anon", [mm("A", 4, flags="shared|anonymous"), touch("A", write=True), op("fork", child="c"),
                   op("store", map="A", data="S", proc="c"), obs("c"), op("load", map="A", len=1), obs()]))
    cs.append(case("fork-shared-file", [op("file", name="f", pages=4), mm("F", 4, flags="shared", file="f"), touch("F", write=True),
                   op("fork", child="c"), touch("F", proc="c"), obs("c"), touch("F", write=True, proc="c"), obs("c"), obs()]))
    cs.append(case("fork-dontfork", [mm("A", 4), touch("A", write=True), op("madvise", map="A", page=2, advice="dontfork"), op("fork", child="c"),
                   op("load", map="A", len=1, proc="c"), op("load", map="A", page=2, len=1, proc="c"), obs("c")]))
    cs.append(case("fork-wipeonfork", [mm("A", 4), op("store", map="A", data="keep"), op("madvise", map="A", advice="wipeonfork"), op("fork", child="c"),
                   op("load", map="A", len=4, proc="c"), obs("c"), op("load", map="A", len=4), obs()]))
    cs.append(case("fork-keeponfork", [mm("A", 2), op("store", map="A", data="k"), op("madvise", map="A", advice="wipeonfork"),
                   op("madvise", map="A", advice="keeponfork"), op("fork", child="c"), op("load", map="A", len=1, proc="c"), obs("c")]))
    cs.append(case("fork-zero-page-shared", [mm("A", 4), touch("A"), op("fork", child="c"), obs("c"), touch("A", write=True, proc="c"), obs("c"), obs()]))
    cs.append(case("fork-mprotect-after", [mm("A", 4), touch("A", write=True), op("fork", child="c"), op("mprotect", map="A", prot="r", proc="c"),
                   op("mprotect", map="A", prot="rw", proc="c"), touch("A", write=True, proc="c"), obs("c")]))
    cs.append(case("fork-exit-status", [op("fork", child="c"), op("exit", proc="c", code=3)]))
    cs.append(case("fork-merge-after-fork", [mm("A", 4), touch("A", write=True), op("fork", child="c"),
                   mm("B", 4, flags="private|anonymous|fixed", at={"map": "A", "page": 4}, proc="c"), touch("B", write=True, proc="c"), obs("c")],
                   "a forked anon_vma chain keeps a new neighbour separate"))
    return cs


def vma_cases():
    cs = []
    cs.append(case("merge-adjacent-anon", [mm("A", 4), mm("B", 4), obs()]))
    cs.append(case("merge-adjacent-anon-touched", [mm("A", 4), touch("A", write=True), mm("B", 4), touch("B", write=True), obs()]))
    cs.append(case("merge-different-prot", [mm("A", 4, prot="r"), mm("B", 4), obs()]))
    cs.append(case("merge-file-contiguous", [op("file", name="f", pages=8), mm("A", 4, prot="r", flags="private", file="f", open="r", offset_pages=4),
                   mm("B", 4, prot="r", flags="private|fixed", file="f", open="r", at={"map": "A", "page": -4}), obs()]))
    cs.append(case("merge-file-noncontiguous", [op("file", name="f", pages=8), mm("A", 4, prot="r", flags="private", file="f", open="r", offset_pages=4),
                   mm("B", 4, prot="r", flags="private|fixed", file="f", open="r", at={"map": "A", "page": -4}, offset_pages=1), obs()]))
    cs.append(case("split-mprotect-three", [mm("A", 12), op("mprotect", map="A", page=2, pages=2, prot="r"), op("mprotect", map="A", page=6, pages=2, prot="none"), obs()]))
    cs.append(case("split-munmap-many", [mm("A", 12), op("munmap", map="A", page=1, pages=1), op("munmap", map="A", page=5, pages=1),
                   op("munmap", map="A", page=9, pages=1), obs()]))
    cs.append(case("merge-fill-hole", [mm("A", 12), op("munmap", map="A", page=4, pages=4), mm("B", 4, flags="private|anonymous|fixed", at={"map": "A", "page": 4}), obs()]))
    cs.append(case("merge-mprotect-back", [mm("A", 8), touch("A", write=True), op("mprotect", map="A", page=4, prot="r"), op("mprotect", map="A", page=4, prot="rw"), obs()]))
    cs.append(case("merge-shared-anon-never", [mm("A", 4, flags="shared|anonymous"), mm("B", 4, flags="shared|anonymous"), obs()]))
    return cs


def classic_cases():
    cs = []
    cs.append(case("classic-filemap", [op("file", name="hello", text="hello\n"),
                   mm("M", 64, flags="shared", file="hello"), op("load", map="M", len=6), op("store", map="M", data="HELLO"),
                   obs(), op("load", map="M", page=1, len=1), op("msync", map="M", pages=1, flags="sync"), obs()],
                   "the filemap experiment, 256 KiB long: write through memory, SIGBUS past the last page"))
    cs.append(case("classic-demand-paging", [mm("A", 1024), obs(), touch("A", pages=256, write=True), obs(),
                   touch("A", page=256, pages=256, write=True), obs(), touch("A", page=512, pages=512, write=True), obs()],
                   "4 MiB mapped, then touched a quarter at a time: minflt grows one per page"))
    cs.append(case("classic-cow", [mm("A", 512), touch("A", write=True), op("fork", child="c1"), op("fork", child="c2"),
                   obs(), obs("c1"), obs("c2"), touch("A", write=True, proc="c2"), obs(), obs("c1"), obs("c2")],
                   "2 MiB shared by a parent and two children; the second child's writes copy every page"))
    cs.append(case("classic-shared-vs-private", [op("file", name="data", text="original"),
                   mm("S", 1, flags="shared", file="data"), op("fork", child="c"),
                   mm("P", 1, flags="private", file="data", proc="c"), op("load", map="P", len=8, proc="c"),
                   op("store", map="S", data="SHARED!!"), op("load", map="P", len=8, proc="c"),
                   op("store", map="P", data="private!", proc="c"), op("load", map="S", len=8), op("load", map="P", len=8, proc="c"),
                   obs(), obs("c")]))
    return cs


KINDS = [("private-anon", "private|anonymous", None), ("shared-anon", "shared|anonymous", None),
         ("private-file", "private", "f"), ("shared-file", "shared", "f")]


def kind_mmap(m, pages, flags, f, prot="rw", **kw):
    s = mm(m, pages, prot=prot, flags=flags, **kw)
    if f:
        s["file"] = f
    return s


def with_file(f, pages, steps):
    return ([op("file", name=f, pages=pages)] if f else []) + steps


def stack_cases():
    cs = []
    cs.append(case("stack-grow-one-page", [obs(), op("load", map="stack", page=-1, len=1), obs(), op("load", map="stack", page=-1, len=1), obs()],
                   "a read one page below the stack grows it by one page and maps the zero page"))
    cs.append(case("stack-grow-write", [op("store", map="stack", page=-3, data="deep"), obs(), op("load", map="stack", page=-3, len=4), obs()]))
    cs.append(case("stack-grow-far", [op("store", map="stack", page=-200, data="x"), obs(), touch("stack", page=-200, pages=200, write=True), obs()],
                   "one access 200 pages down grows the stack to it; the pages between fault one by one"))
    cs.append(case("stack-grow-steps", [touch("stack", page=-10, pages=1, write=True), obs(), touch("stack", page=-20, pages=1), obs(),
                   touch("stack", page=-30, pages=30, write=True), obs()]))
    cs.append(case("stack-guard-gap-refuses", [mm("A", 4, flags="private|anonymous|fixed_noreplace", at={"map": "stack", "page": -300}),
                   op("load", map="stack", page=-41, len=1), obs()],
                   "growing to within stack_guard_gap (256 pages) of an accessible mapping -> SIGSEGV"))
    cs.append(case("stack-guard-gap-edge", [mm("A", 4, flags="private|anonymous|fixed_noreplace", at={"map": "stack", "page": -300}),
                   op("load", map="stack", page=-40, len=1), obs()], "exactly stack_guard_gap away is allowed"))
    cs.append(case("stack-guard-gap-prot-none", [mm("A", 4, prot="none", flags="private|anonymous|fixed_noreplace", at={"map": "stack", "page": -300}),
                   op("load", map="stack", page=-100, len=1), obs()], "a PROT_NONE neighbour does not count for the gap"))
    cs.append(case("stack-guard-gap-mprotect", [mm("A", 4, flags="private|anonymous|fixed_noreplace", at={"map": "stack", "page": -300}),
                   op("load", map="stack", page=-60, len=1), op("mprotect", map="A", prot="none"), op("load", map="stack", page=-60, len=1), obs()]))
    cs.append(case("stack-fork-inherits-growth", [op("store", map="stack", page=-8, data="s"), op("fork", child="c"),
                   op("load", map="stack", page=-8, len=1, proc="c"), obs("c"), op("store", map="stack", page=-16, data="t", proc="c"), obs("c"), obs()]))
    cs.append(case("stack-fork-cow", [touch("stack", page=-4, pages=4, write=True), op("fork", child="c"),
                   touch("stack", page=-4, pages=4, write=True, proc="c"), obs("c"), touch("stack", page=-4, pages=4, write=True), obs()],
                   "grown stack pages are copied on write after fork like any private anonymous page"))
    cs.append(case("stack-below-unmapped-gap", [op("load", map="stack", page=-510, len=1), obs()],
                   "growing down to just above the fence below the stack"))
    return cs


def rule_cases():
    """Rule cases: the host cannot show these (its machine is not small, its overcommit
    mode is not 2), so the expected values are Linux's documented rule
    (mm/util.c __vm_enough_memory, Documentation/mm/overcommit-accounting.rst)."""
    cs = []
    small2 = {"memory.ram": "64M", "vm.overcommit_memory": 2, "vm.overcommit_ratio": 50}

    def rule(name, steps, config, description):
        c = case(name, steps, description)
        c["linux"] = "rule"
        c["config"] = config
        return c

    def ex(step, **fields):
        step = dict(step)
        step["expect"] = {k.replace("__", "."): v for k, v in fields.items()}
        return step

    mb = 256  # pages per MiB
    cs.append(rule("overcommit2-private-over-limit", [ex(mm("A", 40 * mb), ret="ENOMEM"), ex(obs(maps=["A"]), **{"vmas.A": "no mapping"})], small2,
                   "mode 2, CommitLimit about 32 MiB: a 40 MiB private writable mapping is refused"))
    cs.append(rule("overcommit2-private-under-limit", [mm("A", 8 * mb), ex(obs(), **{"vmas.A": "1", "smaps.A[0].VmFlags": "rd wr mr mw me ac"})], small2,
                   "8 MiB fits and is charged (VM_ACCOUNT)"))
    cs.append(rule("overcommit2-readonly-not-charged", [mm("A", 40 * mb, prot="r"), ex(obs(), **{"vmas.A": "1", "smaps.A[0].VmFlags": "rd mr mw me"})], small2,
                   "a read-only private mapping is not charged"))
    cs.append(rule("overcommit2-noreserve-still-charged", [ex(mm("A", 40 * mb, flags="private|anonymous|noreserve"), ret="ENOMEM")], small2,
                   "MAP_NORESERVE is ignored in mode 2"))
    cs.append(rule("overcommit2-shared-anon", [ex(mm("A", 40 * mb, flags="shared|anonymous"), ret="ENOMEM"), mm("B", 8 * mb, flags="shared|anonymous"),
                   ex(obs(), **{"vmas.B": "1"})], small2, "shared anonymous memory is charged by shmem"))
    cs.append(rule("overcommit2-cumulative", [mm("A", 12 * mb), mm("B", 12 * mb), ex(mm("C", 12 * mb), ret="ENOMEM"), ex(obs(maps=["A", "B", "C"]), **{"vmas.A": "1", "vmas.B": "1", "vmas.C": "no mapping"})],
                   small2, "charges add up: the third 12 MiB mapping passes the limit"))
    cs.append(rule("overcommit2-munmap-uncharges", [mm("A", 12 * mb), mm("B", 12 * mb), op("munmap", map="A"), mm("C", 12 * mb), ex(obs(), **{"vmas.C": "1"})],
                   small2, "munmap gives the charge back"))
    cs.append(rule("overcommit2-mprotect-write", [mm("A", 40 * mb, prot="r"), ex(op("mprotect", map="A", prot="rw"), ret="ENOMEM"),
                   ex(op("mprotect", map="A", pages=4 * mb, prot="rw"), ret="0"), ex(obs(), **{"vmas.A": "2"})], small2,
                   "making a private mapping writable charges it"))
    cs.append(rule("overcommit2-mremap-grow", [mm("A", 8 * mb), ex(op("mremap", map="A", new_pages=40 * mb, flags="maymove"), ret="ENOMEM"),
                   ex(obs(), **{"vmas.A": "1"})], small2, "growing a charged mapping charges the growth"))
    cs.append(rule("overcommit2-brk", [ex(op("brk", delta_pages=40 * mb), ret="brk0+0x0"), ex(op("brk", delta_pages=4 * mb), ret="brk0+0x400000")],
                   small2, "brk past the limit leaves the break where it was"))
    cs.append(rule("overcommit2-fork", [mm("A", 20 * mb), ex(op("fork", child="c"), ret="ENOMEM")], small2,
                   "fork charges the child's private writable memory again: 2 x 20 MiB > the limit"))
    cs.append(rule("overcommit2-shared-file-not-charged", [op("file", name="f", pages=4), mm("A", 40 * mb, flags="shared", file="f"),
                   ex(obs(), **{"vmas.A": "1"})], small2, "shared file mappings are not charged"))
    cs.append(rule("overcommit2-private-file-charged", [op("file", name="f", pages=4), ex(mm("A", 40 * mb, flags="private", file="f"), ret="ENOMEM")],
                   small2, "writable private file mappings are charged"))
    cs.append(rule("overcommit2-kbytes", [ex(mm("A", 20 * mb), ret="ENOMEM"), mm("B", 8 * mb), ex(obs(), **{"vmas.B": "1"})],
                   {"memory.ram": "64M", "vm.overcommit_memory": 2, "vm.overcommit_kbytes": 16384},
                   "overcommit_kbytes replaces the ratio: CommitLimit 16 MiB"))
    cs.append(rule("overcommit1-always", [mm("A", 4096 * mb), ex(obs(), **{"vmas.A": "1"})], {"memory.ram": "64M", "vm.overcommit_memory": 1},
                   "mode 1 never refuses"))
    cs.append(rule("overcommit0-larger-than-ram", [ex(mm("A", 100 * mb), ret="ENOMEM"), mm("B", 40 * mb), ex(obs(), **{"vmas.B": "1"})],
                   {"memory.ram": "64M", "vm.overcommit_memory": 0},
                   "mode 0 refuses a single request larger than RAM plus swap"))
    cs.append(rule("zero-page-read", [mm("A", 4), touch("A"), ex(obs(), minflt="4", **{"smaps.A[0].Rss": "0 kB"}), touch("A", write=True),
                   ex(obs(), minflt="4", **{"smaps.A[0].Rss": "16 kB", "smaps.A[0].Anonymous": "16 kB"})], {"vm.zero_page": "true"},
                   "a read maps the shared zero page (not counted in Rss); a write then copies it"))
    cs.append(rule("zero-page-off-read", [mm("A", 4), touch("A"), ex(obs(), minflt="4", **{"smaps.A[0].Rss": "16 kB"}), touch("A", write=True),
                   ex(obs(), minflt="0")], {"vm.zero_page": "false"},
                   "a kernel without the zero page maps a private zeroed page on a read"))
    cs.append(rule("zero-page-fork", [mm("A", 2), touch("A"), op("fork", child="c"), ex(obs("c"), **{"smaps.A[0].Rss": "0 kB"}),
                   touch("A", write=True, proc="c"), ex(obs("c"), minflt="2", **{"smaps.A[0].Rss": "8 kB"})], {"vm.zero_page": "true"},
                   "zero-page PTEs are copied at fork; a write in the child allocates a page"))
    cs.append(rule("stack-rlimit", [ex(op("load", map="stack", page=-300, len=1), sig="SIGSEGV SEGV_MAPERR at +0x0")],
                   {"process.stack_rlimit": "1M"}, "growing the stack past RLIMIT_STACK -> SIGSEGV"))
    return cs


def kind_matrix_cases():
    """Each mapping kind through the same sequences: faults, fork and madvise."""
    cs = []
    for kind, flags, f in KINDS:
        cs.append(case("kind-read-write-" + kind, with_file(f, 4, [kind_mmap("A", 4, flags, f), touch("A"), obs(), touch("A", write=True), obs(),
                       op("load", map="A", page=3, len=2), obs()])))
        cs.append(case("kind-readonly-" + kind, with_file(f, 4, [kind_mmap("A", 4, flags, f, prot="r", open="r"), touch("A"), op("store", map="A", data="x"), obs()])))
        cs.append(case("kind-prot-none-" + kind, with_file(f, 4, [kind_mmap("A", 4, flags, f, prot="none"), op("load", map="A", len=1), obs(),
                       op("mprotect", map="A", prot="r"), op("load", map="A", len=1), obs()])))
        for who in ["parent", "child", "both"]:
            steps = [kind_mmap("A", 4, flags, f), touch("A", write=True, value=3), op("fork", child="c")]
            if who in ("parent", "both"):
                steps.append(touch("A", write=True, value=5))
            if who in ("child", "both"):
                steps.append(touch("A", write=True, value=7, proc="c"))
            steps += [op("load", map="A", len=1), op("load", map="A", len=1, proc="c"), obs(), obs("c")]
            cs.append(case(f"kind-fork-{who}-writes-{kind}", with_file(f, 4, steps)))
        for advice in ["normal", "random", "sequential", "willneed", "dontfork", "dofork", "cold"]:
            cs.append(case(f"kind-madvise-{advice}-{kind}", with_file(f, 4, [kind_mmap("A", 4, flags, f), touch("A", write=True),
                           op("madvise", map="A", page=1, pages=2, advice=advice), obs()])))
        cs.append(case("kind-munmap-middle-" + kind, with_file(f, 6, [kind_mmap("A", 6, flags, f), touch("A", write=True),
                       op("munmap", map="A", page=2, pages=2), obs(), op("load", map="A", page=2, len=1), op("load", map="A", page=4, len=1), obs()])))
        cs.append(case("kind-mprotect-middle-" + kind, with_file(f, 6, [kind_mmap("A", 6, flags, f), touch("A", write=True),
                       op("mprotect", map="A", page=2, pages=2, prot="r"), obs(), op("store", map="A", page=2, data="x"), op("store", map="A", page=4, data="y"), obs()])))
        cs.append(case("kind-mremap-move-" + kind, with_file(f, 8, [mm("G", 1), kind_mmap("A", 4, flags, f), op("store", map="A", page=1, data="mv"),
                       op("mremap", map="A", new_pages=8, flags="maymove"), op("load", map="A", page=1, len=2), obs()])))
        cs.append(case("kind-mremap-shrink-" + kind, with_file(f, 8, [kind_mmap("A", 8, flags, f), touch("A", write=True),
                       op("mremap", map="A", new_pages=3), obs(), op("load", map="A", page=5, len=1)])))
    for kind, flags, f in KINDS[2:]:
        for sflags in ["sync", "async", "invalidate", "sync|invalidate"]:
            cs.append(case(f"kind-msync-{sflags.replace('|', '-')}-{kind}", with_file(f, 4, [kind_mmap("A", 4, flags, f), touch("A", write=True),
                           op("msync", map="A", flags=sflags), obs(), op("load", map="A", len=1), touch("A", write=True), obs()])))
    return cs


def extra_cases():
    cs = []
    cs.append(case("mmap-hint-honoured", [mm("A", 8), op("munmap", map="A"), mm("B", 4, at={"map": "A", "page": 2}), obs()]))
    cs.append(case("mmap-hint-taken-falls-back", [mm("A", 4), mm("B", 4, at={"map": "A"}), obs()]))
    cs.append(case("mmap-fixed-replaces-touched", [mm("A", 8), touch("A", write=True), mm("B", 2, flags="private|anonymous|fixed", at={"map": "A", "page": 3}),
                   obs(), op("load", map="A", page=3, len=1)]))
    cs.append(case("mmap-fixed-noreplace-into-hole", [mm("A", 8), op("munmap", map="A", page=2, pages=2),
                   mm("B", 2, flags="private|anonymous|fixed_noreplace", at={"map": "A", "page": 2}), obs()]))
    cs.append(case("mmap-populate-anon", [mm("A", 8, flags="private|anonymous|populate"), obs(), touch("A", write=True), obs()]))
    cs.append(case("mmap-populate-file-private", [op("file", name="f", pages=8), mm("A", 8, flags="private|populate", file="f"), obs(), touch("A", write=True), obs()]))
    cs.append(case("mmap-populate-file-shared", [op("file", name="f", pages=8), mm("A", 8, flags="shared|populate", file="f"), obs(), touch("A", write=True), obs()]))
    cs.append(case("mmap-file-offset-beyond-eof", [op("file", name="f", pages=2), mm("A", 2, prot="r", flags="private", file="f", open="r", offset_pages=4),
                   op("load", map="A", len=1), obs()]))
    cs.append(case("mmap-write-only-file-shared", [op("file", name="f", pages=2), mm("A", 2, flags="shared", file="f", open="w")]))
    cs.append(case("mmap-write-only-file-private", [op("file", name="f", pages=2), mm("A", 2, prot="r", flags="private", file="f", open="w")]))
    cs.append(case("brk-shrink-then-touch", [op("brk", delta_pages=4), touch("heap", write=True), op("brk", delta_pages=-2),
                   op("load", at={"map": "heap", "page": 3}, len=1), obs()]))
    cs.append(case("brk-grow-after-mmap-below", [op("brk", delta_pages=2), touch("heap", write=True), op("brk", delta_pages=6), touch("heap", write=True), obs()]))
    cs.append(case("brk-fork-child-grows", [op("brk", delta_pages=2), op("fork", child="c"), op("brk", delta_pages=4, proc="c"),
                   touch("heap", write=True, proc="c"), obs("c"), obs()]))
    cs.append(case("fork-three-generations-reuse", [mm("A", 4), touch("A", write=True), op("fork", child="c"), op("fork", proc="c", child="g"),
                   op("exit", proc="g"), touch("A", write=True, proc="c"), obs("c"), op("exit", proc="c"), touch("A", write=True), obs()],
                   "with the grandchild and child gone, the parent reuses its pages"))
    cs.append(case("fork-child-unmaps", [mm("A", 4), touch("A", write=True), op("fork", child="c"), op("munmap", map="A", proc="c"),
                   touch("A", write=True), obs()], "the child's munmap drops its references: the parent reuses"))
    cs.append(case("fork-dontneed-in-child", [mm("A", 4), touch("A", write=True, value=9), op("fork", child="c"),
                   op("madvise", map="A", advice="dontneed", proc="c"), op("load", map="A", len=1, proc="c"), op("load", map="A", len=1), obs("c"), obs()]))
    cs.append(case("file-private-cow-then-truncate", [op("file", name="f", pages=4), mm("F", 4, flags="private", file="f"),
                   op("store", map="F", page=3, data="p"), op("truncate", name="f", pages=1), op("load", map="F", page=3, len=1), obs()],
                   "a private copy beyond the new EOF survives truncation"))
    cs.append(case("file-shared-write-then-read-syscall", [op("file", name="f", pages=2), mm("F", 2, flags="shared", file="f"),
                   op("store", map="F", off=5, data="VIA-MMAP"), op("munmap", map="F"), mm("G", 2, prot="r", flags="shared", file="f", open="r"),
                   op("load", map="G", off=5, len=8), obs()]))
    cs.append(case("vma-merge-after-munmap-refill", [mm("A", 6), touch("A", write=True), op("munmap", map="A", page=2, pages=2),
                   mm("B", 2, flags="private|anonymous|fixed", at={"map": "A", "page": 2}), obs()],
                   "a fresh anonymous VMA between two with an anon_vma merges with them"))
    cs.append(case("vma-split-count-mprotect-alternate", [mm("A", 10)] + [op("mprotect", map="A", page=i, pages=1, prot="r") for i in range(0, 10, 2)] + [obs()]))
    return cs


FAMILIES = {
    "gen-mmap": mmap_errors,
    "gen-munmap": munmap_cases,
    "gen-mprotect": mprotect_cases,
    "gen-madvise": madvise_cases,
    "gen-msync": msync_cases,
    "gen-mremap": mremap_cases,
    "gen-brk": brk_cases,
    "gen-faults": fault_cases,
    "gen-fork": fork_cases,
    "gen-vma": vma_cases,
    "gen-classic": classic_cases,
    "gen-stack": stack_cases,
    "gen-rule": rule_cases,
    "gen-kinds": kind_matrix_cases,
    "gen-extra": extra_cases,
}


def main():
    os.makedirs(OUT, exist_ok=True)
    total = 0
    for fname, fn in FAMILIES.items():
        cs = fn()
        total += len(cs)
        with open(os.path.join(OUT, fname + ".json"), "w") as f:
            f.write("{\"cases\": [\n")
            f.write(",\n".join(json.dumps(c) for c in cs))
            f.write("\n]}\n")
    print(f"{total} cases", file=sys.stderr)


if __name__ == "__main__":
    main()
