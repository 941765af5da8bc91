// kernels.cpp: every cuda/*.cu compiled against the host emulation, and the table the
// driver finds them in by entry name.  The table is generated (build.sh: entries.inc lists the
// extern "C" __global__ functions of cuda/*.cu); each row's parameter types come from the
// function's own C++ signature (make_entry deduces them), so a kernel whose signature changes
// needs a rebuild, never an edit here.
#include "emu/cuda_emu.h"
#include "kernel_table.h"

#include "families.inc"  // #include "../../cuda/<family>.cu" for each family

namespace nc_emu_driver {

template <class T> constexpr ParamInfo param_info() {
  using U = std::remove_cv_t<T>;
  if constexpr (std::is_pointer_v<U>) return {"u64", sizeof(U), true};
  else if constexpr (std::is_same_v<U, double>) return {"f64", sizeof(U), false};
  else if constexpr (std::is_same_v<U, float>) return {"f32", sizeof(U), false};
  else if constexpr (std::is_integral_v<U> && sizeof(U) == 8) return {"u64", sizeof(U), false};
  else if constexpr (std::is_integral_v<U> && sizeof(U) == 4) return {"u32", sizeof(U), false};
  else static_assert(sizeof(U) == 0, "kernel parameter type the emulated driver cannot unpack");
}

// Copies each parameter out of cuLaunchKernel's kernelParams (one pointer per parameter, to a
// value of the parameter's type) and calls the kernel with them on the emulated device.
template <class F> struct Signature;
template <class... P> struct Signature<void (*)(P...)> {
  static constexpr int count = int(sizeof...(P));
  static void describe(ParamInfo* out) {
    ParamInfo infos[] = {param_info<P>()..., ParamInfo{}};
    for (int i = 0; i < count; ++i) out[i] = infos[i];
  }
  template <auto Fn, size_t... I>
  static bool launch(const char* name, dim3 g, dim3 b, size_t shared, void* const* params, std::index_sequence<I...>) {
    std::tuple<std::remove_cv_t<P>...> args{*static_cast<const std::remove_cv_t<P>*>(params[I])...};
    return nc_emu::launch(name, Fn, g, b, shared, std::get<I>(args)...);
  }
};

// One table row per kernel: the function is a template argument, so that kernels with the
// same signature get distinct launchers.
template <auto Fn> KernelEntry make_entry(const char* name) {
  using S = Signature<decltype(Fn)>;
  static_assert(S::count <= kMaxParams, "raise kMaxParams");
  KernelEntry e{};
  e.name = name;
  e.nparams = S::count;
  S::describe(e.params);
  e.launch = [](const char* n, dim3 g, dim3 b, size_t s, void* const* p) {
    return S::template launch<Fn>(n, g, b, s, p, std::make_index_sequence<S::count>{});
  };
  return e;
}

#define NC_EMU_ENTRY(fn) make_entry<&fn>(#fn),
const std::vector<KernelEntry>& kernel_table() {
  static const std::vector<KernelEntry> t = {
#include "entries.inc"
  };
  return t;
}

}  // namespace nc_emu_driver
