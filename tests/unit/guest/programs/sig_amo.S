# A misaligned AMO: SIGBUS BUS_ADRALN at the instruction (Linux does not emulate
# misaligned atomics). argv[1][0]: '0' amoadd.w, '1' lr.d, '2' sc.w.
    .data
    .balign 16
word:
    .8byte 0, 0
    .text
    .global _start
_start:
    ld t0, 16(sp)
    lbu t0, 0(t0)
    lla t1, word
    addi t1, t1, 2
    li t2, '1'
    beq t0, t2, 1f
    li t2, '2'
    beq t0, t2, 2f
    amoadd.w a0, a0, (t1)
    j 3f
1:  lr.d a0, (t1)
    j 3f
2:  sc.w a0, a0, (t1)
3:  li a7, 93
    ecall
