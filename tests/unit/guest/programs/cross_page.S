# 32-bit instructions whose second half is in the next page: an addi, a taken branch
# and a jal, executed in a loop. Exits with a checksum: 7 + 5 * 11 = 62.
    .text
    .global _start
_start:
    li a0, 0
    li s0, 5
    j before
    .balign 4096
    .space 4088
    .option push
    .option norvc
before:                      # page offset 4088
    addi a0, a0, 1           # 4088
    addi a0, a0, 2           # 4092
    .option rvc
    c.addi a0, 4             # 4096: next page
    .option norvc
    j loop_start
    .balign 4096
    .space 4090
loop_start:                  # page offset 4090
    addi a0, a0, 8           # 4090
    addi a0, a0, 3           # 4094: crosses
    addi s0, s0, -1
    j branch_at
    .balign 4096
    .space 4094
branch_at:
    bnez s0, loop_start      # 4094: a crossing taken branch
    .option pop
    andi a0, a0, 0xff
    li a7, 93
    ecall
