# An illegal instruction chosen by argv[1][0]: '0' the all-zero parcel, '1' an
# undefined 32-bit opcode, '2' a write to the read-only cycle CSR, '3' a machine-mode
# CSR read, '4' mret, '5' an FP operation with an invalid dynamic rounding mode.
    .text
    .global _start
_start:
    ld t0, 16(sp)        # argv[1]
    lbu t0, 0(t0)
    addi t0, t0, -'0'
    li t1, 1
    beq t0, zero, 10f
    beq t0, t1, 11f
    li t1, 2
    beq t0, t1, 12f
    li t1, 3
    beq t0, t1, 13f
    li t1, 4
    beq t0, t1, 14f
    j 15f
    .global illegal_0
10: .2byte 0
11: .4byte 0xffffffff
12: csrw cycle, zero
13: csrr a0, mstatus
14: mret
15: li t0, 7
    fsrm t0
    fadd.d fa0, fa0, fa0
    li a7, 93
    ecall
