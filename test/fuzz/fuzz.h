/*
 * fuzz.h - what every fuzz harness in test/fuzz/ is written with.
 *
 * A harness fuzz_<name>.c defines its body with FUZZ_TARGET(name).  Built by
 * scripts/fuzz.sh (clang -fsanitize=fuzzer) the body becomes libFuzzer's
 * LLVMFuzzerTestOneInput; included by test/unit/test_fuzz_regressions.c,
 * which defines FUZZ_REPLAY first, it becomes fuzz_<name>(), so saved
 * crashes and the seed corpus replay through exactly the same code in
 * `make test`.  FUZZ_CHECK states an invariant beyond "does not crash":
 * a violation aborts, which both libFuzzer and the replay test report.
 */
#ifndef LOOPTRADER_FUZZ_H
#define LOOPTRADER_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#ifdef FUZZ_REPLAY
#define FUZZ_TARGET(name) static int fuzz_##name(const uint8_t *data, size_t size)
#else
#define FUZZ_TARGET(name)                                         \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size); \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
#endif

#define FUZZ_CHECK(cond)                                                          \
    do {                                                                          \
        if (!(cond)) {                                                            \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, \
                    #cond);                                                       \
            abort();                                                              \
        }                                                                         \
    } while (0)

/* 1 when the fixed-size char array holds a NUL (a usable C string). */
#define FUZZ_TERMINATED(arr) (memchr((arr), '\0', sizeof(arr)) != NULL)

#endif
