/* version — the one place Bosun's version string is defined. */
#ifndef BOSUN_VERSION_H
#define BOSUN_VERSION_H
#define BOSUN_VERSION "0.1.0"
#endif
