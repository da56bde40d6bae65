// PRIVQA_TARGET_CLONES before a function compiles it for x86-64-v4, x86-64-v3
// and the baseline, the best of them chosen when the program loads (GCC
// function multiversioning). Under ThreadSanitizer the chooser would run,
// instrumented, before the sanitizer's runtime has started, so there the
// function is compiled once, for the baseline.
#pragma once

#if defined(__SANITIZE_THREAD__)
#define PRIVQA_TARGET_CLONES
#else
#define PRIVQA_TARGET_CLONES \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
