/* echo's behaviour, shared by /bin/echo and the shell's builtin. */
#ifndef VMLAB_ECHO_CORE_H
#define VMLAB_ECHO_CORE_H

/* As coreutils echo: leading -n (no newline), -e (interpret backslash escapes) and -E
 * (do not, the default) options, the rest joined by spaces, written to fd 1.
 * Returns the exit status. */
int echo_run(int argc, char **argv);

#endif
