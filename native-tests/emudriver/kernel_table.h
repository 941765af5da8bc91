// kernel_table.h: what the emulated driver knows of each kernel (kernels.cpp fills it).
#pragma once
#include <cstddef>
#include <vector>

struct dim3;

namespace nc_emu_driver {

constexpr int kMaxParams = 24;

struct ParamInfo {
  const char* ptx = "";  // the PTX .param type nvcc gives this C++ type: u64, u32, f64, f32
  size_t size = 0;
  bool pointer = false;
};

struct KernelEntry {
  const char* name;
  int nparams;
  ParamInfo params[kMaxParams];
  // Runs the kernel on the emulated device; false when it failed (reason in nc_emu::g_fail_message).
  bool (*launch)(const char* name, dim3 grid, dim3 block, size_t shared, void* const* params);
};

const std::vector<KernelEntry>& kernel_table();

}  // namespace nc_emu_driver
