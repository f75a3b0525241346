#!/usr/bin/env python3
"""Writes the pressure suite's cases (tests/fidelity/pressure-cases/*.json).

Every case runs in a memory cgroup with a swap area beside it ("pressure": see
docs/fidelity.md, "Pressure suite"). The committed files are what the harness runs;
this script writes them again when a family changes:

    tests/fidelity/tools/make_pressure_cases.py

Two kinds of case. Most swap only where they say so (MADV_PAGEOUT), below the group's
limit, and settle before they look: Linux's answer to them is the same run after run,
and every field is compared. The others go past the limit and let the group reclaim by
itself; where that reclaim races the disk's writes, how many pages went out, and which,
varies from run to run on Linux: those observe steps skip the fields that varied
(RACY) and compare the rest (what reads back, the faults of the first writes, file and
shmem sizes, the OOM killer's victim). A case skips only what varied when it ran ten
times on the reference host (host_stability.py --runs 10); a field that varies more
rarely is left to the harness's rerun rule.
"""
import json
import os

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pressure-cases")

DEFAULT = {"memory_max": "32M", "swap": "64M"}

# What limit reclaim decides on Linux by racing the disk (host_stability.py shows each
# varying): how many pages it swapped, which ones (so which later accesses are major
# faults, swap-cache hits or refaults), and so every size that counts them.
RACY = ["majflt", "minflt", "vmrss", "vmswap", "memcg.anon", "memcg.swap", "memcg.swapcached",
        "memcg.pgmajfault", "memcg.workingset_refault_anon", "pswpin", "pswpout",
        "smaps.*.Rss", "smaps.*.Pss", "smaps.*.Private_*", "smaps.*.Shared_*", "smaps.*.Anonymous",
        "smaps.*.Swap"]
# The same, where the step's own faults are first touches: one minor fault a page.
RACY_BUT_FIRST_TOUCH = [f for f in RACY if f != "minflt"]


def case(name, steps, description, pressure=None):
    c = {"name": name, "description": description, "pressure": dict(DEFAULT, **(pressure or {}))}
    c["steps"] = steps
    return c


def op(opname, **kw):
    s = {"op": opname}
    s.update(kw)
    return s


def mm(m, pages, flags="private|anonymous", **kw):
    return op("mmap", map=m, pages=pages, prot=kw.pop("prot", "rw"), flags=flags, **kw)


def touch(m, write=False, **kw):
    return op("touch", map=m, write=write, **kw)


def write(m, value=7, **kw):
    return touch(m, write=True, value=value, **kw)


def pageout(m, **kw):
    return op("madvise", map=m, advice="pageout", **kw)


def obs(proc=None, **kw):
    s = op("observe", **kw)
    if proc:
        s["proc"] = proc
    return s


SETTLE = op("settle")


def load(m, page, length=4, **kw):
    return op("load", map=m, page=page, len=length, **kw)


def swapped_out(m, pages):
    """A mapping written, paged out and settled, then read back (swap-cache hits) and
    paged out again, which frees the now clean pages at once: the next access reads
    the swap area."""
    return [mm(m, pages), write(m), pageout(m), SETTLE, touch(m), pageout(m), SETTLE]


def anon_pageout():
    cs = []
    cs.append(case("pageout-then-look", [mm("A", 64), write("A"), obs(), pageout("A"), obs(), SETTLE, obs()],
                   "MADV_PAGEOUT writes 64 dirty pages to swap; they stay in the swap cache (swapcached, "
                   "VmSwap and smaps Swap count them, Rss does not)"))
    cs.append(case("pageout-reread", [mm("A", 64), write("A"), pageout("A"), SETTLE, touch("A"), obs(),
                                      load("A", 9), mincore_step("A")],
                   "read faults on pages still in the swap cache: minor faults, the swap cache keeps them"))
    cs.append(case("pageout-rewrite", [mm("A", 64), write("A"), pageout("A"), SETTLE, write("A", 9), obs(),
                                       load("A", 63)],
                   "write faults on swap-cache pages: minor faults that free the swap slots"))
    cs.append(case("pageout-reread-pageout", [mm("A", 64), write("A"), pageout("A"), SETTLE, touch("A"),
                                              pageout("A"), obs(), SETTLE, obs()],
                   "clean swap-cache pages paged out again are freed at once, without a write"))
    for pages in (8, 64, 200):
        cs.append(case(f"swapin-read-{pages}", swapped_out("A", pages) + [obs(), touch("A"), obs(), load("A", pages - 1)],
                       f"{pages} pages read back from the swap area: cluster readahead (a rotational disk) "
                       "decides how many major faults"))
        cs.append(case(f"swapin-write-{pages}", swapped_out("A", pages) + [write("A", 3), obs(), load("A", 0)],
                       f"{pages} pages written back in from the swap area: each write fault frees its slot"))
    cs.append(case("swapin-backwards", swapped_out("A", 64) + [
        touch("A", page=p, pages=1) for p in range(63, -1, -1)] + [obs()],
        "swap-ins from the last page down: each window is aligned, so readahead still finds pages"))
    cs.append(case("swapin-strided", swapped_out("A", 128) + [
        touch("A", page=p, pages=1) for p in range(0, 128, 16)] + [obs(), touch("A"), obs()],
        "a fault every 16 pages, then the rest: readahead misses, then hits"))
    cs.append(case("swapin-random-pages", swapped_out("A", 96) + [
        load("A", p, 2) for p in (37, 5, 90, 6, 61, 62, 0, 95)] + [obs()],
        "single pages in no order: the window grows and shrinks with the hits"))
    cs.append(case("pageout-part", [mm("A", 64), write("A"), pageout("A", page=16, pages=16), SETTLE, obs(),
                                    touch("A"), obs()],
                   "a quarter of a mapping paged out: smaps Swap of the one VMA"))
    cs.append(case("pageout-twice", [mm("A", 32), write("A"), pageout("A"), pageout("A"), obs(), SETTLE, obs()],
                   "a second MADV_PAGEOUT finds only swap entries: nothing more is written"))
    cs.append(case("pageout-unwritten", [mm("A", 32), pageout("A"), SETTLE, obs()],
                   "nothing was ever faulted in: nothing to page out"))
    cs.append(case("pageout-zero-filled", [mm("A", 32), write("A", value=0), pageout("A"), SETTLE, obs(),
                                           touch("A"), obs(), load("A", 3)],
                   "pages that hold only zeros are not written (swpout_zero): swap entries without I/O, "
                   "and reading them back does no I/O either"))
    cs.append(case("pageout-read-faulted", [mm("A", 32), touch("A"), obs(), pageout("A"), SETTLE, obs(),
                                            touch("A"), obs()],
                   "pages only read: a zeroed page each (or the zero page, which is never paged out)"))
    cs.append(case("pageout-cold-first", [mm("A", 48), write("A"), op("madvise", map="A", advice="cold"), obs(),
                                          pageout("A"), SETTLE, obs()],
                   "MADV_COLD moves the pages to the inactive list; MADV_PAGEOUT then writes them"))
    cs.append(case("cold-only", [mm("A", 48), write("A"), op("madvise", map="A", advice="cold"), SETTLE, obs(),
                                 touch("A"), obs()],
                   "MADV_COLD alone swaps nothing"))
    cs.append(case("pageout-dontneed", [mm("A", 64), write("A"), pageout("A"), SETTLE,
                                        op("madvise", map="A", advice="dontneed"), obs(), touch("A"), obs(),
                                        load("A", 1)],
                   "MADV_DONTNEED drops swap entries with the pages: slots freed, zeros read back"))
    cs.append(case("pageout-free", [mm("A", 64), write("A"), pageout("A"), SETTLE,
                                    op("madvise", map="A", advice="free"), obs(), load("A", 2)],
                   "MADV_FREE on swapped-out pages frees them and their slots"))
    cs.append(case("pageout-mprotect-read", swapped_out("A", 32) + [op("mprotect", map="A", prot="r"), touch("A"),
                                                                     obs(), op("mprotect", map="A", prot="rw"),
                                                                     write("A", 5), obs()],
                   "swap-ins into a read-only mapping, then writes once it is writable again"))
    cs.append(case("pageout-mremap", swapped_out("A", 32) + [op("mremap", map="A", new_pages=64, flags="maymove"),
                                                              obs(), touch("A", pages=32), obs(), load("A", 31)],
                   "a mapping with swap entries grows and moves; its swap entries move with it"))
    cs.append(case("pageout-two-mappings", [mm("A", 32), mm("B", 32), write("A", 1), write("B", 2), pageout("B"),
                                            pageout("A"), SETTLE, touch("A"), touch("B"), pageout("A"),
                                            pageout("B"), SETTLE, touch("B"), obs(), touch("A"), obs()],
                   "two mappings, paged out in the other order: slots in order of pageout"))
    cs.append(case("pageout-brk-heap", [op("brk", delta_pages=16), write("heap", value=4, pages=16), pageout("heap"),
                                        SETTLE, obs(), touch("heap", pages=16), obs()],
                   "the heap pages out like any anonymous memory"))
    return cs


def mincore_step(m, **kw):
    return op("mincore", map=m, **kw)


def mincore_cases():
    cs = []
    cs.append(case("mincore-swap-cache", [mm("A", 16), write("A"), pageout("A"), mincore_step("A"), SETTLE,
                                          mincore_step("A"), obs()],
                   "mincore says resident for swapped-out pages still in the swap cache"))
    cs.append(case("mincore-swapped-out", swapped_out("A", 16) + [mincore_step("A"), touch("A", page=4, pages=1),
                                                                   mincore_step("A")],
                   "out of the swap cache: not resident; a fault brings its readahead window in"))
    cs.append(case("mincore-half", [mm("A", 16), write("A"), pageout("A", page=8, pages=8), SETTLE, touch("A", page=8),
                                    pageout("A", page=8), SETTLE, mincore_step("A")],
                   "half swapped out, half resident"))
    return cs


def fork_cases():
    cs = []
    cs.append(case("fork-then-pageout-shared", [mm("A", 32), write("A"), op("fork", child="c"), pageout("A"),
                                                SETTLE, obs(), obs("c")],
                   "after fork the pages are mapped twice: MADV_PAGEOUT leaves pages another process maps"))
    cs.append(case("fork-exit-then-pageout", [mm("A", 32), write("A"), op("fork", child="c"),
                                              op("exit", proc="c"), pageout("A"), SETTLE, obs()],
                   "once the child has exited the pages are the parent's alone again"))
    cs.append(case("fork-swapped-parent-reads", swapped_out("A", 32) + [op("fork", child="c"), touch("A"), obs(),
                                                                         obs("c"), load("A", 3, proc="c")],
                   "fork copies swap entries (two references a slot); the parent's reads bring the pages "
                   "into the swap cache, the child then maps them from there"))
    cs.append(case("fork-swapped-child-writes", swapped_out("A", 32) + [op("fork", child="c"), write("A", 8, proc="c"),
                                                                         obs("c"), touch("A"), obs(), load("A", 3),
                                                                         load("A", 3, proc="c")],
                   "copy on write of swapped-out pages: the child's writes swap in and copy, the parent's "
                   "pages stay"))
    cs.append(case("fork-swapped-both-write", swapped_out("A", 32) + [op("fork", child="c"), write("A", 8),
                                                                       write("A", 9, proc="c"), obs(), obs("c"),
                                                                       load("A", 30), load("A", 30, proc="c")],
                   "both write: the first to write a page copies it, the second finds it its own"))
    cs.append(case("fork-child-exits-with-swap", swapped_out("A", 32) + [op("fork", child="c"),
                                                                          op("exit", proc="c", code=3), obs()],
                   "a child's exit drops its references to the slots; the parent's remain"))
    cs.append(case("fork-cow-then-pageout-child", [mm("A", 32), write("A"), op("fork", child="c"),
                                                   write("A", 2, proc="c"), pageout("A", proc="c"), SETTLE,
                                                   obs("c"), obs(), write("A", 4, proc="c"), obs("c")],
                   "the child's own copies page out; the parent's originals stay"))
    return cs


def munmap_cases():
    cs = []
    cs.append(case("munmap-swapped", swapped_out("A", 64) + [op("munmap", map="A"), obs()],
                   "unmapping swapped-out memory frees its slots"))
    cs.append(case("munmap-swap-cache", [mm("A", 64), write("A"), pageout("A"), SETTLE, op("munmap", map="A"), obs()],
                   "unmapping pages still in the swap cache frees them and their slots"))
    cs.append(case("munmap-half-swapped", swapped_out("A", 64) + [op("munmap", map="A", page=0, pages=32), obs(),
                                                                   touch("A", page=32), obs()],
                   "half unmapped, the other half read back"))
    cs.append(case("exit-with-swap", swapped_out("A", 32) + [op("fork", child="c"), op("munmap", map="A"),
                                                              obs(), op("exit", proc="c"), obs()],
                   "the last process mapping a slot exits: the slot is freed"))
    return cs


def shmem_cases():
    cs = []
    shared = "shared|anonymous"
    cs.append(case("shmem-pageout", [mm("S", 64, flags=shared), write("S"), pageout("S"), SETTLE, obs()],
                   "shared anonymous memory (shmem) pages out to swap: shmem and swap counters, smaps Swap, "
                   "and VmSwap counts no PTE"))
    cs.append(case("shmem-swapin-read", [mm("S", 64, flags=shared), write("S"), pageout("S"), SETTLE, touch("S"),
                                         pageout("S"), SETTLE, obs(), touch("S"), obs(), load("S", 60)],
                   "shmem read back from swap"))
    cs.append(case("shmem-swapin-write", [mm("S", 64, flags=shared), write("S"), pageout("S"), SETTLE, obs(),
                                          write("S", 6), obs()],
                   "shmem written back in"))
    cs.append(case("shmem-fork-pageout", [mm("S", 32, flags=shared), write("S"), op("fork", child="c"),
                                          pageout("S"), SETTLE, obs(), obs("c")],
                   "shmem mapped by two processes"))
    cs.append(case("shmem-child-reads-swapped", [mm("S", 32, flags=shared), write("S", 5), op("fork", child="c"),
                                                 op("exit", proc="c"), pageout("S"), SETTLE,
                                                 op("fork", child="d"), touch("S", proc="d"), obs("d"), obs(),
                                                 load("S", 31, proc="d")],
                   "a child reads shmem its parent paged out"))
    cs.append(case("shmem-munmap-swapped", [mm("S", 32, flags=shared), write("S"), pageout("S"), SETTLE,
                                            op("munmap", map="S"), obs()],
                   "the last mapping of swapped shmem goes: the object, its pages and slots with it"))
    return cs


def file_cases():
    cs = []
    cs.append(case("file-private-pageout", [op("file", name="f", pages=64), mm("F", 64, flags="private", file="f"),
                                            touch("F"), write("F", 9, pages=16), obs(), pageout("F"), SETTLE, obs(),
                                            touch("F"), obs(), load("F", 3), load("F", 40)],
                   "a private file mapping: its copied pages swap, its file pages are dropped"))
    cs.append(case("file-shared-clean-pageout", [op("file", name="f", pages=64), mm("F", 64, flags="shared", file="f"),
                                                 touch("F"), obs(), pageout("F"), SETTLE, obs(), touch("F"), obs()],
                   "clean page cache paged out is dropped, no swap; read back with major faults"))
    cs.append(case("file-shared-dirty-pageout", [op("file", name="f", pages=32), mm("F", 32, flags="shared", file="f"),
                                                 write("F", 4), obs(), pageout("F"), SETTLE, obs()],
                   "reclaim does not write a file's dirty pages: MADV_PAGEOUT leaves them"))
    cs.append(case("file-larger-than-limit", [op("file", name="f", pages=6144), op("evict", name="f"),
                                              mm("F", 6144, prot="r", flags="shared", file="f"), touch("F"),
                                              obs(skip=RACY + ["memcg.file", "memcg.file_mapped",
                                                               "memcg.workingset_refault_file"]),
                                              load("F", 0), load("F", 3000), load("F", 6143)],
                   "a 24 MiB file read through a mapping in a 16 MiB group: clean page cache is dropped to "
                   "make room, nothing is swapped; every page reads back", {"memory_max": "16M"}))
    cs.append(case("file-dirty-past-limit", [op("file", name="f", pages=5120), op("evict", name="f"),
                                             mm("F", 5120, flags="shared", file="f"), write("F", 5),
                                             obs(skip=RACY + ["memcg.file*", "memcg.workingset_refault_file"]),
                                             load("F", 0), load("F", 5119)],
                   "20 MiB of a file dirtied through a shared mapping in a 16 MiB group: reclaim cannot write "
                   "them itself, the flusher does, and the writer waits for it", {"memory_max": "16M"}))
    cs.append(case("file-read-under-limit", [op("file", name="f", pages=1024), op("evict", name="f"),
                                             mm("F", 1024, prot="r", flags="private", file="f"), touch("F"), obs(),
                                             load("F", 1023)],
                   "a 4 MiB file read through a mapping in a 32 MiB group: all of it stays cached"))
    return cs


def over_limit():
    cs = []
    small = {"memory_max": "16M"}
    cs.append(case("limit-anon-write-read", [mm("A", 5120), write("A"), obs(skip=RACY_BUT_FIRST_TOUCH),
                                             touch("A"), obs(skip=RACY), load("A", 0), load("A", 5119)],
                   "20 MiB written in a 16 MiB group: the group swaps to stay under; all of it reads back",
                   small))
    cs.append(case("limit-anon-twice-over", [mm("A", 8192), write("A", 3), obs(skip=RACY_BUT_FIRST_TOUCH),
                                             load("A", 1), load("A", 4096), load("A", 8191), obs(skip=RACY)],
                   "32 MiB written in a 16 MiB group", small))
    cs.append(case("limit-two-mappings", [mm("A", 2048), mm("B", 4096), write("A", 1), write("B", 2),
                                          obs(skip=RACY_BUT_FIRST_TOUCH), touch("A"), load("A", 2047),
                                          load("B", 0), obs(skip=RACY)],
                   "two mappings past the limit together", small))
    cs.append(case("limit-fork-cow", [mm("A", 3072), write("A", 1), op("fork", child="c"),
                                      write("A", 2, proc="c"), obs("c", skip=RACY),
                                      load("A", 100), load("A", 100, proc="c"), obs(skip=RACY)],
                   "a child's copies push the group past its limit; both sides keep their own bytes (a copy "
                   "may find its original swapped out and take a fault more)", small))
    cs.append(case("limit-shmem", [mm("S", 5120, flags="shared|anonymous"), write("S", 6),
                                   obs(skip=RACY_BUT_FIRST_TOUCH + ["memcg.shmem", "memcg.file", "memcg.file_mapped"]),
                                   load("S", 5000)],
                   "shmem past the limit swaps too (shmem is swap-backed)", small))
    cs.append(case("limit-munmap-frees", [mm("A", 5120), write("A"), op("munmap", map="A"), obs(skip=["pswpout"]),
                                          mm("B", 1024), write("B"), obs()],
                   "after unmapping, nothing is left in memory or swap, and a new mapping starts clean",
                   small))
    # File pages first (read below the limit; 1024 pages, so that the read-around
    # window's PG_readahead mark lies past the end of the file), then anonymous memory
    # past the limit. While the inactive file list is this large, get_scan_count()
    # trims it alone (cache_trim_mode), whatever the swappiness: the group gives back
    # file pages only (a page more or less in some runs: the harness's rerun rule).
    file_then_anon = [op("file", name="f", pages=1024), op("evict", name="f"),
                      mm("F", 1024, prot="r", flags="private", file="f"), touch("F"), obs(), mm("A", 3584), write("A")]
    cs.append(case("limit-file-and-anon",
                   file_then_anon + [obs(), load("A", 3583), load("F", 9)],
                   "4 MiB of file pages, then 14 MiB of anonymous memory in a 16 MiB group: the group gives back "
                   "file pages, and nothing is swapped", small))
    for swappiness in (0, 100, 200):
        cs.append(case(f"limit-file-and-anon-swappiness-{swappiness}",
                       file_then_anon + [obs(), load("A", 3583), load("F", 9)],
                       f"the same with swappiness {swappiness}: still only file pages go (cache_trim_mode "
                       "comes before the swappiness balance)", dict(small, swappiness=swappiness)))
    return cs


def oom_cases():
    cs = []
    noswap = {"memory_max": "16M", "swap": "0"}
    cs.append(case("oom-no-swap", [mm("A", 5120), write("A"), op("observe_group")],
                   "no swap: writing 20 MiB in a 16 MiB group ends in the OOM killer's SIGKILL", noswap))
    cs.append(case("oom-swap-full", [mm("A", 8192), write("A"), op("observe_group")],
                   "a 4 MiB swap area fills, then the OOM killer", {"memory_max": "16M", "swap": "4M"}))
    cs.append(case("oom-swap-limit", [mm("A", 8192), write("A"), op("observe_group", skip=["pswpout"])],
                   "the group may use 4 MiB of a 64 MiB swap area (v1 memory.memsw.limit_in_bytes, v2 "
                   "memory.swap.max): past that, the OOM killer", {"memory_max": "16M", "swap_max": "4M"}))
    cs.append(case("oom-swappiness-0", [mm("A", 5120), write("A"), op("observe_group")],
                   "with swappiness 0 the group does not swap: OOM although the swap area is empty",
                   {"memory_max": "16M", "swappiness": 0}))
    cs.append(case("oom-bigger-child-dies", [mm("A", 1024), write("A"), op("fork", child="c"),
                                             mm("B", 3072, proc="c"), write("B", 2, proc="c"),
                                             obs(maps=["A"]), op("observe_group")],
                   "two processes, no swap: the child, holding more, is the victim of its own fault; the "
                   "parent carries on", noswap))
    cs.append(case("oom-faulting-parent-dies", [op("fork", child="c"), mm("B", 512, proc="c"),
                                                write("B", 2, proc="c"), mm("C", 4096), write("C", 3),
                                                obs("c", maps=["B"]), op("observe_group")],
                   "the parent's own fault picks the parent, which holds the most; what it held is freed and "
                   "the child keeps its pages", noswap))
    cs.append(case("oom-score-adj-picks-smaller", [op("fork", child="c"), mm("A", 1024), write("A"),
                                                   op("oom_score_adj", value=1000), mm("B", 3584, proc="c"),
                                                   write("B", 2, proc="c"), obs("c", maps=["B"]),
                                                   op("observe_group")],
                   "oom_score_adj 1000 on the parent, the smaller process, makes it the victim of the child's "
                   "fault; its pages freed, the child's fault goes on", noswap))
    cs.append(case("oom-score-adj-500", [mm("A", 1024), write("A"), op("fork", child="c"),
                                         op("oom_score_adj", value=500, proc="c"), mm("B", 3072),
                                         write("B", 2), obs("c", maps=["A"]), op("observe_group")],
                   "oom_score_adj 500 adds half the group's pages to the child's badness: not enough to "
                   "outweigh the parent's 12 MiB, so the parent goes", noswap))
    cs.append(case("oom-shared-pages-both-die", [mm("A", 2048), write("A"), op("fork", child="c"),
                                                 op("oom_score_adj", value=1000), mm("B", 2560, proc="c"),
                                                 write("B", 2, proc="c"), op("observe_group")],
                   "the parent goes first (oom_score_adj 1000), but its pages are the child's too: nothing is "
                   "freed, so the child's fault kills the child as well", noswap))
    cs.append(case("oom-after-pageout", [mm("A", 512), write("A"), pageout("A"), SETTLE, obs(), mm("B", 5120),
                                         write("B"), op("observe_group")],
                   "MADV_PAGEOUT half fills a 4 MiB swap area; limit reclaim fills the rest, then the OOM killer",
                   {"memory_max": "16M", "swap": "4M"}))
    return cs


def oom_rule_cases():
    """What this host cannot show: lowering oom_score_adj below 0 needs CAP_SYS_RESOURCE,
    which the session running the reference host's runner does not have. Checked against
    Linux's rule (oom_badness(): -1000 is never chosen) on vmlab alone."""
    cs = []
    noswap = {"memory_max": "16M", "swap": "0"}
    c = case("oom-score-adj-minus-1000-exempts",
             [mm("A", 3072), write("A"), op("oom_score_adj", value=-1000, expect={"ret": "0"}),
              op("fork", child="c"), mm("B", 1536, proc="c"),
              write("B", 2, proc="c", expect={"sig": "SIGKILL", "killed.c": "0x9"}),
              load("A", 5, expect={"bytes": "07000000"})],
             "oom_score_adj -1000 exempts the bigger parent: the child is the victim of its own fault",
             noswap)
    c["linux"] = "rule"
    cs.append(c)
    return cs

def main():
    families = {
        "anon-pageout": anon_pageout(),
        "mincore": mincore_cases(),
        "fork": fork_cases(),
        "munmap": munmap_cases(),
        "shmem": shmem_cases(),
        "file": file_cases(),
        "over-limit": over_limit(),
        "oom": oom_cases(),
        "oom-rule": oom_rule_cases(),
    }
    os.makedirs(OUT, exist_ok=True)
    total = 0
    for family, cases in families.items():
        with open(os.path.join(OUT, family + ".json"), "w") as fh:
            json.dump(cases, fh, indent=1)
            fh.write("\n")
        total += len(cases)
    print("%d cases" % total)


if __name__ == "__main__":
    main()
