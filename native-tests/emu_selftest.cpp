// emu_selftest.cpp: the emulator must fail loudly, not hang, on misuse the kernels must
// avoid.  `emu_selftest MODE` runs one misbehaving kernel; run.sh expects exit status 3 and
// a "[cuda-emu] kernel ..." line naming the kernel.  Modes:
//   mask      __shfl_xor_sync with a partial mask
//   early     threads return while the rest of the block waits at __syncthreads
//   diverged  half a warp at __shfl_xor_sync, the other half at __ballot_sync
//   lane-exit half a warp returns, the other half shuffles with the full mask
//   ok        a correct kernel (exit 0)
#include "emu/cuda_emu.h"

extern "C" __global__ void k_mask(float* out) {
  out[threadIdx.x] = __shfl_xor_sync(0x0000ffffu, float(threadIdx.x), 1);
}
extern "C" __global__ void k_early(float* out) {
  if (threadIdx.x >= 128) return;
  __syncthreads();
  out[threadIdx.x] = 1.f;
}
extern "C" __global__ void k_diverged(float* out) {
  if (threadIdx.x % 32 < 16) out[threadIdx.x] = __shfl_xor_sync(0xffffffffu, 1.f, 1);
  else out[threadIdx.x] = float(__ballot_sync(0xffffffffu, 1));
}
extern "C" __global__ void k_lane_exit(float* out) {
  if (threadIdx.x % 32 >= 16) return;
  out[threadIdx.x] = __shfl_xor_sync(0xffffffffu, 1.f, 1);
}
extern "C" __global__ void k_ok(float* out) {
  __shared__ float s[256];
  s[threadIdx.x] = float(threadIdx.x);
  __syncthreads();
  float v = s[255 - threadIdx.x];
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  out[threadIdx.x] = v + float(__popc(__ballot_sync(0xffffffffu, threadIdx.x % 2)));
}

int main(int argc, char** argv) {
  std::vector<float> out(256);
  std::string m = argc > 1 ? argv[1] : "ok";
  if (m == "mask") nc_emu::launch("k_mask", k_mask, dim3(2), dim3(256), 0, out.data());
  else if (m == "early") nc_emu::launch("k_early", k_early, dim3(2), dim3(256), 0, out.data());
  else if (m == "diverged") nc_emu::launch("k_diverged", k_diverged, dim3(2), dim3(256), 0, out.data());
  else if (m == "lane-exit") nc_emu::launch("k_lane_exit", k_lane_exit, dim3(2), dim3(256), 0, out.data());
  else {
    nc_emu::launch("k_ok", k_ok, dim3(3), dim3(256), 0, out.data());
    // warp w sums 255 - t over its lanes: 32*255 - (32*w*32 + 496); plus 16 odd lanes
    for (unsigned t = 0; t < 256; ++t) {
      unsigned w = t / 32;
      float want = float(32 * 255 - (32 * 32 * w + 496) + 16);
      if (out[t] != want) { std::printf("k_ok: thread %u got %g want %g\n", t, out[t], want); return 1; }
    }
  }
  return 0;
}
