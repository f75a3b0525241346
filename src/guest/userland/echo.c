/* echo: writes its arguments (see echo_core.c). */
#include "echo_core.h"

int main(int argc, char **argv) { return echo_run(argc, argv); }
