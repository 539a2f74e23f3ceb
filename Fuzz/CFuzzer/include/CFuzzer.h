#ifndef EVQ_CFUZZER_H
#define EVQ_CFUZZER_H

#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver, for programs that have their own `main` (SwiftPM gives every executable one): parses the
/// libFuzzer flags in argv and runs `callback` on each input. Defined by libclang_rt.fuzzer, which
/// `-sanitize=fuzzer` links.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
