/* all.h — the `bosund all` role: every part in one process (cmd/all.c). */
#ifndef BOSUN_CMD_ALL_H
#define BOSUN_CMD_ALL_H
int all_main(int argc, char **argv);
#endif
