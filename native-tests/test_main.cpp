// Kernel drivers' entry point: runs every family (or those named on the command line) and
// ends with the line "N passed, M failed"; exit status 1 when anything failed.
#include "nc_test.h"

int main(int argc, char** argv) {
  using namespace nc_test;
  struct Fam { const char* name; void (*fn)(); } fams[] = {
      {"class_sums", test_class_sums}, {"centre", test_centre}, {"syrk", test_syrk},
      {"pairwise", test_pairwise},     {"decisions", test_decisions}};
  for (auto& f : fams) {
    bool run = argc < 2;
    for (int i = 1; i < argc; ++i) run |= std::strcmp(argv[i], f.name) == 0;
    if (!run) continue;
    Report before = report();
    f.fn();
    std::printf("%-10s %d passed, %d failed\n", f.name, report().passed - before.passed, report().failed - before.failed);
    std::fflush(stdout);
  }
  std::printf("%d passed, %d failed\n", report().passed, report().failed);
  return report().failed == 0 ? 0 : 1;
}
