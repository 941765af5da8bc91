// stubs.cpp: every driver entry point JCuda's native library links against
// (jcuda-driver-symbols.txt) as a weak function returning CUDA_ERROR_NOT_SUPPORTED; the ones
// driver.cpp implements override them.  Without a definition, the first call of a missing
// symbol would end the JVM ("symbol lookup error").
extern "C" int ncemu_not_supported(const char* name);
#define NC_STUB(f) extern "C" __attribute__((weak)) int f() { return ncemu_not_supported(#f); }
#include "stubs.inc"
