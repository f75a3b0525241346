// Every operation the interpreter executes, as one X-macro list: the decoder names
// them, the engine has one handler (a computed-goto label) for each. Compressed
// instructions decode to the same operations as the 32-bit forms they expand to.
#pragma once

// clang-format off
#define VMLAB_RV64_OPS(X)                                                              \
  /* the interpreter's own */                                                          \
  X(decode) X(page_end) X(step_done) X(cross_page) X(illegal)                          \
  /* RV64I */                                                                          \
  X(lui) X(auipc) X(jal) X(jal_local) X(jalr)                                          \
  X(beq) X(bne) X(blt) X(bge) X(bltu) X(bgeu)                                          \
  X(beq_local) X(bne_local) X(blt_local) X(bge_local) X(bltu_local) X(bgeu_local)      \
  X(lb) X(lh) X(lw) X(ld) X(lbu) X(lhu) X(lwu)                                         \
  X(sb) X(sh) X(sw) X(sd)                                                              \
  X(addi) X(slti) X(sltiu) X(xori) X(ori) X(andi) X(slli) X(srli) X(srai)              \
  X(add) X(sub) X(sll) X(slt) X(sltu) X(xor_) X(srl) X(sra) X(or_) X(and_)             \
  X(addiw) X(slliw) X(srliw) X(sraiw) X(addw) X(subw) X(sllw) X(srlw) X(sraw)          \
  X(fence) X(fence_i) X(ecall) X(ebreak)                                               \
  /* M */                                                                              \
  X(mul) X(mulh) X(mulhsu) X(mulhu) X(div) X(divu) X(rem) X(remu)                      \
  X(mulw) X(divw) X(divuw) X(remw) X(remuw)                                            \
  /* A: imm holds funct5 for the generic AMO handlers */                               \
  X(lr_w) X(lr_d) X(sc_w) X(sc_d) X(amo_w) X(amo_d)                                    \
  /* Zicsr: imm = CSR number, rm = funct3 */                                           \
  X(csr)                                                                               \
  /* F and D loads, stores, moves */                                                   \
  X(flw) X(fld) X(fsw) X(fsd)                                                          \
  X(fmv_x_w) X(fmv_w_x) X(fmv_x_d) X(fmv_d_x)                                          \
  /* F */                                                                              \
  X(fadd_s) X(fsub_s) X(fmul_s) X(fdiv_s) X(fsqrt_s)                                   \
  X(fmadd_s) X(fmsub_s) X(fnmsub_s) X(fnmadd_s)                                        \
  X(fsgnj_s) X(fsgnjn_s) X(fsgnjx_s) X(fmin_s) X(fmax_s)                               \
  X(feq_s) X(flt_s) X(fle_s) X(fclass_s)                                               \
  X(fcvt_w_s) X(fcvt_wu_s) X(fcvt_l_s) X(fcvt_lu_s)                                    \
  X(fcvt_s_w) X(fcvt_s_wu) X(fcvt_s_l) X(fcvt_s_lu)                                    \
  /* D */                                                                              \
  X(fadd_d) X(fsub_d) X(fmul_d) X(fdiv_d) X(fsqrt_d)                                   \
  X(fmadd_d) X(fmsub_d) X(fnmsub_d) X(fnmadd_d)                                        \
  X(fsgnj_d) X(fsgnjn_d) X(fsgnjx_d) X(fmin_d) X(fmax_d)                               \
  X(feq_d) X(flt_d) X(fle_d) X(fclass_d)                                               \
  X(fcvt_w_d) X(fcvt_wu_d) X(fcvt_l_d) X(fcvt_lu_d)                                    \
  X(fcvt_d_w) X(fcvt_d_wu) X(fcvt_d_l) X(fcvt_d_lu)                                    \
  X(fcvt_s_d) X(fcvt_d_s)
// clang-format on

namespace vmlab::guest::rv64 {

enum class Op : unsigned short {
#define VMLAB_RV64_ENUM(name) name,
  VMLAB_RV64_OPS(VMLAB_RV64_ENUM)
#undef VMLAB_RV64_ENUM
  count
};

inline constexpr unsigned kOpCount = static_cast<unsigned>(Op::count);

const char* op_name(Op op);

}  // namespace vmlab::guest::rv64
