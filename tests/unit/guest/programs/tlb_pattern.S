# Data loads in known page patterns, and nothing else that touches the data TLB (no
# stack, no calls): the test replays the same page sequence on a hw::Tlb of the L1
# dTLB's geometry and expects exactly its hits and misses.
#   1. pages 0..199, twice (more pages than the L1 holds)
#   2. pages 0, 16, ..., 112 (one set, twice its ways), five times
#   3. pages 3 and 4 alternately, 100 times each
    .section .bss
    .balign 65536
buf:
    .space 256 * 4096

    .text
    .global _start
_start:
    lla s0, buf
    li s1, 2
1:  li t0, 0
    li t1, 200
2:  slli t2, t0, 12
    slli t3, t0, 3
    andi t3, t3, 2047
    add t2, t2, t3
    add t2, t2, s0
    lb t4, 0(t2)
    addi t0, t0, 1
    blt t0, t1, 2b
    addi s1, s1, -1
    bnez s1, 1b

    li s1, 5
3:  li t0, 0
    li t1, 8
4:  slli t2, t0, 16
    add t2, t2, s0
    ld t4, 0(t2)
    addi t0, t0, 1
    blt t0, t1, 4b
    addi s1, s1, -1
    bnez s1, 3b

    li t0, 100
    li t1, 3 * 4096
    add t1, t1, s0
    li t2, 4 * 4096
    add t2, t2, s0
5:  lw t4, 0(t1)
    lw t4, 8(t2)
    addi t0, t0, -1
    bnez t0, 5b

    li a0, 0
    li a7, 93
    ecall
