# A load from address 0: SIGSEGV SEGV_MAPERR at 0.
    .text
    .global _start
_start:
    li t0, 0
    addi a0, a0, 1
    ld t1, 0(t0)
    li a7, 93
    ecall
