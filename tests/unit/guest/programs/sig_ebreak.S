# ebreak (argv[1][0] '0') or c.ebreak ('1'): SIGTRAP TRAP_BRKPT at the instruction.
    .text
    .global _start
_start:
    ld t0, 16(sp)
    lbu t0, 0(t0)
    li t1, '0'
    beq t0, t1, 1f
    c.ebreak
1:
    .option push
    .option norvc
    ebreak
    .option pop
    li a7, 93
    ecall
