// ptx_load.cu (GPU bundle, built by gpu.sh): loads every committed PTX module the way the
// Java backend does (the PTX text, JIT-compiled by the driver) and looks up each ".entry"
// kernel.  Usage: ptx_load <ptx-dir>.  Prints one line per kernel and "N passed, M failed".
#include <cuda_runtime.h>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  std::string dir = argc > 1 ? argv[1] : "core/src/main/resources/org/ncj/backend/cuda/ptx";
  const char* fams[] = {"class_sums", "centre", "syrk", "pairwise", "decisions"};
  int passed = 0, failed = 0;
  for (const char* f : fams) {
    std::ifstream in(dir + "/" + f + ".ptx");
    std::stringstream ss; ss << in.rdbuf();
    std::string ptx = ss.str();
    if (ptx.empty()) { std::printf("FAIL %s.ptx: not found in %s\n", f, dir.c_str()); failed++; continue; }
    cudaLibrary_t lib;
    cudaError_t e = cudaLibraryLoadData(&lib, ptx.c_str(), nullptr, nullptr, 0, nullptr, nullptr, 0);
    if (e != cudaSuccess) { std::printf("FAIL %s.ptx: cudaLibraryLoadData: %s\n", f, cudaGetErrorString(e)); failed++; continue; }
    std::istringstream lines(ptx);
    std::string line;
    while (std::getline(lines, line)) {
      auto p = line.find(".entry ");
      if (p == std::string::npos) continue;
      std::string name = line.substr(p + 7);
      name = name.substr(0, name.find('('));
      cudaKernel_t k;
      e = cudaLibraryGetKernel(&k, lib, name.c_str());
      if (e != cudaSuccess) { std::printf("FAIL %s: %s\n", name.c_str(), cudaGetErrorString(e)); failed++; continue; }
      cudaFuncAttributes a{};
      e = cudaFuncGetAttributes(&a, reinterpret_cast<const void*>(k));
      if (e == cudaSuccess)
        std::printf("ok   %-26s regs %3d static smem %6zu local %4zu max threads %d\n", name.c_str(), a.numRegs,
                    a.sharedSizeBytes, a.localSizeBytes, a.maxThreadsPerBlock);
      else
        std::printf("ok   %-26s (attributes: %s)\n", name.c_str(), cudaGetErrorString(e));
      passed++;
    }
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
