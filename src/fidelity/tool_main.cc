// vmlab-fidelity: the fidelity harness as a program of its own (`vmlab fidelity` runs
// the same code).
#include "fidelity/fidelity.h"

int main(int argc, char** argv) { return vmlab::fidelity::fidelity_main(argc, argv); }
