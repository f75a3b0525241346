# A jump into a page without execute permission: argv[1][0] '0' the data segment,
# '1' the stack. SIGSEGV SEGV_ACCERR at the target.
    .data
    .balign 4096
data_code:
    .4byte 0x00000513    # addi a0, zero, 0 (never runs)
    .text
    .global _start
_start:
    ld t0, 16(sp)
    lbu t0, 0(t0)
    li t1, '0'
    beq t0, t1, 1f
    addi sp, sp, -16
    li t2, 0x00008067    # ret
    sw t2, 0(sp)
    jalr sp
1:  lla t0, data_code
    jalr t0
    li a7, 93
    ecall
