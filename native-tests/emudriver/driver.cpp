// driver.cpp: the CUDA driver API subset the ncj backend calls, on the host emulation.
// Built as libcuda.so.1 (build.sh); README.md in this folder describes the model.
#include <sys/stat.h>

#include <algorithm>
#include <cstdarg>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "emu/cuda_emu.h"
#include "kernel_table.h"

using CUresult = int;
using CUdeviceptr = unsigned long long;

namespace {

enum : int {
  OK = 0, INVALID_VALUE = 1, OUT_OF_MEMORY = 2, NOT_INITIALIZED = 3, NO_DEVICE = 100, INVALID_IMAGE = 200,
  INVALID_CONTEXT = 201, INVALID_HANDLE = 400, ILLEGAL_STATE = 401, NOT_FOUND = 500, NOT_READY = 600,
  ILLEGAL_ADDRESS = 700, LAUNCH_FAILED = 719, NOT_SUPPORTED = 801, UNKNOWN = 999
};

constexpr size_t kCanary = 256;  // bytes before and after every allocation
constexpr unsigned char kCanaryByte = 0xCA;
constexpr unsigned char kGarbage = 0xFF;  // NaN as float and double, -1 as int

enum class Schedule { Eager, Lazy, Early };
const char* schedule_name(Schedule s) { return s == Schedule::Eager ? "eager" : s == Schedule::Lazy ? "lazy" : "early"; }

struct Config {
  Schedule schedule = Schedule::Eager;
  size_t capacity = size_t(2) << 30;
  int sms = 2;
  bool set = false;
} g_cfg;

std::recursive_mutex g_mu;  // one device: every API call and every kernel under it
std::string g_last_error;
bool g_initialised = false;
int g_ctx_refs = 0;
int g_primary_ctx_token;  // the primary context's handle is its address

void report(const std::string& msg) {
  g_last_error = msg;
  std::fprintf(stderr, "[cuda-emu] %s\n", msg.c_str());
  std::fflush(stderr);
}

CUresult error(CUresult code, const std::string& msg) {
  report(msg);
  return code;
}

std::string hex(unsigned long long v) {
  char b[32];
  std::snprintf(b, sizeof b, "0x%llx", v);
  return b;
}

// ---- memory -------------------------------------------------------------------------------
struct Alloc {
  unsigned long long base = 0;
  size_t size = 0;
  unsigned char* raw = nullptr;
  unsigned long long serial = 0;
};
std::map<unsigned long long, Alloc> g_dev;     // by base
std::map<unsigned long long, Alloc> g_pinned;  // cuMemAllocHost
size_t g_used = 0;
unsigned long long g_serial = 0;

const Alloc* find_in(const std::map<unsigned long long, Alloc>& m, unsigned long long p) {
  auto it = m.upper_bound(p);
  if (it == m.begin()) return nullptr;
  --it;
  return p < it->second.base + std::max<size_t>(it->second.size, 1) ? &it->second : nullptr;
}

std::string describe(const Alloc& a) {
  return "allocation #" + std::to_string(a.serial) + " of " + std::to_string(a.size) + " bytes at " + hex(a.base);
}

// Null when [p, p + bytes) lies in one live device allocation, else why not.
std::string check_range(unsigned long long p, size_t bytes) {
  const Alloc* a = find_in(g_dev, p);
  if (!a) {
    // name the nearest allocation below, to help spot an offset gone wrong
    auto it = g_dev.upper_bound(p);
    std::string near = it == g_dev.begin() ? "" : "; nearest below: " + describe(std::prev(it)->second) + " (" +
        std::to_string(p - std::prev(it)->second.base) + " bytes past its start)";
    return "address " + hex(p) + " is in no live device allocation" + near;
  }
  if (p + bytes > a->base + a->size)
    return "range [" + hex(p) + ", +" + std::to_string(bytes) + ") runs " + std::to_string(p + bytes - a->base - a->size) +
           " bytes past the end of " + describe(*a) + " (offset " + std::to_string(p - a->base) + ")";
  return {};
}

// Null when the canaries of `a` are intact, else which side is damaged (and repairs them).
std::string check_canaries(Alloc& a) {
  unsigned char* front = a.raw;
  unsigned char* back = a.raw + kCanary + a.size;
  std::string why;
  for (size_t i = 0; i < kCanary; ++i)
    if (front[i] != kCanaryByte) { why = "written " + std::to_string(kCanary - i) + " bytes before its start"; break; }
  if (why.empty())
    for (size_t i = kCanary; i-- > 0;)
      if (back[i] != kCanaryByte) { why = "written " + std::to_string(i + 1) + " bytes past its end"; break; }
  if (!why.empty()) {
    std::memset(front, kCanaryByte, kCanary);
    std::memset(back, kCanaryByte, kCanary);
  }
  return why;
}

unsigned char* alloc_raw(size_t bytes, Alloc& a) {
  size_t total = kCanary + bytes + kCanary;
  void* raw = std::aligned_alloc(256, (total + 255) / 256 * 256);
  if (!raw) return nullptr;
  a.raw = static_cast<unsigned char*>(raw);
  a.base = reinterpret_cast<unsigned long long>(a.raw + kCanary);
  a.size = bytes;
  a.serial = ++g_serial;
  std::memset(a.raw, kCanaryByte, kCanary);
  std::memset(a.raw + kCanary, kGarbage, bytes);
  std::memset(a.raw + kCanary + bytes, kCanaryByte, kCanary);
  return a.raw;
}

// ---- streams, events, schedules ---------------------------------------------------------
struct Stream;
struct Token {  // one cuEventRecord
  Stream* stream;
  bool done = false;
};

enum class OpKind { Device, Copy, Record, Wait };
struct Op {
  OpKind kind;
  std::string what;
  std::function<CUresult()> run;
  std::shared_ptr<Token> token;  // Record: the one it completes; Wait: the one it waits for
};

struct Stream {
  std::deque<Op> q;
  std::string name;
  bool alive = true;
};
struct Event {
  std::shared_ptr<Token> last;
};

Stream g_legacy{{}, "the legacy default stream (0)", true};
std::set<Stream*> g_streams{&g_legacy};
std::set<Event*> g_events;
CUresult g_deferred = OK;  // first failure of work run behind the caller's back

Stream* stream_of(void* h) { return h ? static_cast<Stream*>(h) : &g_legacy; }

CUresult step(Stream& s);

// Runs work until the record `t` has executed.
CUresult complete(const std::shared_ptr<Token>& t) {
  CUresult r = OK;
  while (t && !t->done) {
    CUresult e = step(*t->stream);
    if (r == OK) r = e;
  }
  return r;
}

// Executes the head of `s`.
CUresult step(Stream& s) {
  Op op = std::move(s.q.front());
  s.q.pop_front();
  switch (op.kind) {
    case OpKind::Record: op.token->done = true; return OK;
    case OpKind::Wait: return complete(op.token);
    default: return op.run();
  }
}

CUresult drain(Stream& s) {
  CUresult r = OK;
  while (!s.q.empty()) {
    CUresult e = step(s);
    if (r == OK) r = e;
  }
  return r;
}

// `early`: runs every stream's device work (kernels, memsets) whose waits allow it; copies
// stay queued until the host waits for them, and block what follows them in their stream.
CUresult advance() {
  CUresult r = OK;
  for (bool moved = true; moved;) {
    moved = false;
    for (Stream* s : g_streams) {
      while (!s->q.empty()) {
        Op& h = s->q.front();
        bool ready = h.kind == OpKind::Device || h.kind == OpKind::Record ||
                     (h.kind == OpKind::Wait && (!h.token || h.token->done));
        if (!ready) break;
        CUresult e = step(*s);
        if (r == OK) r = e;
        moved = true;
      }
    }
  }
  return r;
}

CUresult take_deferred(CUresult r) {
  if (r == OK && g_deferred != OK) r = g_deferred;
  g_deferred = OK;
  return r;
}

// Queues `op` on `s` according to the schedule; returns the error of work run now.
CUresult submit(Stream& s, Op op) {
  s.q.push_back(std::move(op));
  CUresult r = OK;
  if (g_cfg.schedule == Schedule::Eager) r = drain(s);
  else if (g_cfg.schedule == Schedule::Early) r = advance();
  if (r != OK && g_cfg.schedule != Schedule::Eager) { if (g_deferred == OK) g_deferred = r; r = OK; }
  return take_deferred(r);
}

// A host wait: runs what the host waits for, then (early) what became ready.
CUresult host_wait(CUresult r) {
  if (g_cfg.schedule == Schedule::Early) {
    CUresult e = advance();
    if (r == OK) r = e;
  }
  return take_deferred(r);
}

CUresult drain_all() {
  CUresult r = OK;
  for (bool any = true; any;) {
    any = false;
    for (Stream* s : g_streams)
      if (!s->q.empty()) { any = true; CUresult e = drain(*s); if (r == OK) r = e; }
  }
  return take_deferred(r);
}

bool is_pinned(const void* p, size_t bytes) {
  const Alloc* a = find_in(g_pinned, reinterpret_cast<unsigned long long>(p));
  return a && reinterpret_cast<unsigned long long>(p) + bytes <= a->base + a->size;
}

// ---- modules ----------------------------------------------------------------------------
struct Module {
  std::string ptx;
};
struct Function {
  const nc_emu_driver::KernelEntry* entry;
};
std::set<Module*> g_modules;
std::map<std::string, Function*> g_functions;

std::string norm_ptx_type(std::string t) {
  if (t == "s64" || t == "b64") return "u64";
  if (t == "s32" || t == "b32") return "u32";
  return t;
}

// The .param types of `entry` in `ptx`, or false when the PTX has no such entry.
bool ptx_params(const std::string& ptx, const std::string& entry, std::vector<std::string>& out) {
  std::string key = ".entry " + entry;
  size_t at = 0;
  for (;;) {
    at = ptx.find(key, at);
    if (at == std::string::npos) return false;
    size_t after = at + key.size();
    if (after < ptx.size() && (std::isalnum((unsigned char)ptx[after]) || ptx[after] == '_')) { at = after; continue; }
    size_t open = ptx.find('(', after), close = ptx.find(')', after);
    if (open == std::string::npos || close == std::string::npos) return false;
    std::string list = ptx.substr(open + 1, close - open - 1);
    static const std::regex param(R"(\.param\s+\.(\w+))");
    for (std::sregex_iterator i(list.begin(), list.end(), param), e; i != e; ++i) out.push_back(norm_ptx_type((*i)[1]));
    return true;
  }
}

void read_config() {
  if (g_cfg.set) return;
  if (const char* s = std::getenv("NCJ_CUDA_EMU_SCHEDULE")) {
    std::string v = s;
    g_cfg.schedule = v == "lazy" ? Schedule::Lazy : v == "early" ? Schedule::Early : Schedule::Eager;
  }
  if (const char* s = std::getenv("NCJ_CUDA_EMU_MEMORY")) g_cfg.capacity = std::strtoull(s, nullptr, 10);
  if (const char* s = std::getenv("NCJ_CUDA_EMU_SMS")) g_cfg.sms = std::max(1, std::atoi(s));
  g_cfg.set = true;
}

bool real_driver_present() {
  struct stat st;
  return stat("/dev/nvidiactl", &st) == 0 || stat("/proc/driver/nvidia/version", &st) == 0;
}

#define LOCK std::lock_guard<std::recursive_mutex> lock_(g_mu)
#define NEED_INIT if (!g_initialised) return NOT_INITIALIZED

}  // namespace

// ---- exported -------------------------------------------------------------------------------
extern "C" {

// Set before cuInit by the Java side (system properties); schedule "eager", "lazy" or "early",
// capacity in bytes (0: unchanged), SM count (0: unchanged).  Returns 0, or 1 for a bad schedule.
int ncemu_configure(const char* schedule, long long capacity, int sms) {
  LOCK;
  read_config();
  if (schedule && *schedule) {
    std::string v = schedule;
    if (v == "eager") g_cfg.schedule = Schedule::Eager;
    else if (v == "lazy") g_cfg.schedule = Schedule::Lazy;
    else if (v == "early") g_cfg.schedule = Schedule::Early;
    else return 1;
  }
  if (capacity > 0) g_cfg.capacity = size_t(capacity);
  if (sms > 0) g_cfg.sms = sms;
  return 0;
}

// The last failure's full message (kernel, parameter, offset ...), or "".
const char* ncemu_last_error() {
  LOCK;
  static std::string taken;
  taken = g_last_error;
  g_last_error.clear();
  return taken.c_str();
}

const char* ncemu_schedule() { LOCK; read_config(); return schedule_name(g_cfg.schedule); }

// For the emulated libraries beside this one (libcusolver): checks a device range, queues
// host-side device work on a stream (`fn(arg)` runs in stream order and frees arg).
int ncemu_check_range(unsigned long long p, size_t bytes, const char* what) {
  LOCK;
  std::string why = check_range(p, bytes);
  return why.empty() ? OK : error(ILLEGAL_ADDRESS, std::string(what) + ": " + why);
}
int ncemu_enqueue(void* stream, const char* what, int (*fn)(void*), void* arg) {
  LOCK;
  Op op{OpKind::Device, what, [fn, arg, w = std::string(what)]() {
          int r = fn(arg);
          return r == OK ? OK : error(r, w + " failed");
        }, nullptr};
  return submit(*stream_of(stream), std::move(op));
}

CUresult cuInit(unsigned flags) {
  LOCK;
  if (flags != 0) return INVALID_VALUE;
  read_config();
  if (real_driver_present())
    return error(NO_DEVICE, "an NVIDIA driver is installed here (/dev/nvidiactl or /proc/driver/nvidia): the emulator "
                            "refuses to shadow it");
  nc_emu::g_fail_returns = true;
  // a kernel's memory fault names the allocation nearest the address (check_range's wording)
  nc_emu::g_describe_address = [](uintptr_t a) { return check_range(a, 1); };
  g_initialised = true;
  return OK;
}

CUresult cuDriverGetVersion(int* v) { if (!v) return INVALID_VALUE; *v = 13000; return OK; }
CUresult cuDeviceGetCount(int* n) { LOCK; NEED_INIT; *n = 1; return OK; }
CUresult cuDeviceGet(int* d, int ordinal) { LOCK; NEED_INIT; if (ordinal != 0) return INVALID_VALUE; *d = 0; return OK; }
CUresult cuDeviceGetName(char* name, int len, int dev) {
  LOCK; NEED_INIT;
  std::snprintf(name, size_t(len), "ncj CUDA emulator (%s schedule, host memory)", schedule_name(g_cfg.schedule));
  return OK;
}
CUresult cuDeviceGetAttribute(int* v, int attr, int dev) {
  LOCK; NEED_INIT;
  switch (attr) {
    case 1: *v = 1024; break;                 // max threads per block
    case 2: case 3: case 4: *v = attr == 4 ? 64 : 1024; break;
    case 5: *v = 2147483647; break;           // max grid x
    case 6: case 7: *v = 65535; break;
    case 8: *v = 48 * 1024; break;            // max shared per block
    case 10: *v = 32; break;                  // warp size
    case 16: *v = g_cfg.sms; break;           // multiprocessors
    case 75: *v = 9; break;                   // compute capability
    case 76: *v = 0; break;
    case 81: *v = 228 * 1024; break;          // max shared per multiprocessor
    case 97: *v = 227 * 1024; break;          // max shared per block opt-in
    default: *v = 0;
  }
  return OK;
}
CUresult cuDeviceTotalMem_v2(size_t* b, int dev) { LOCK; NEED_INIT; *b = g_cfg.capacity; return OK; }
CUresult cuDeviceComputeCapability(int* major, int* minor, int dev) { *major = 9; *minor = 0; return OK; }

CUresult cuDevicePrimaryCtxRetain(void** ctx, int dev) {
  LOCK; NEED_INIT;
  ++g_ctx_refs;
  *ctx = &g_primary_ctx_token;
  return OK;
}

// Context teardown: waits for all work, checks every canary, reports leaks (an error: the
// caller freed less than it allocated) and frees what is left.
CUresult teardown() {
  CUresult r = drain_all();
  std::string damaged, leaked;
  size_t leak_bytes = 0, leak_count = 0;
  for (auto& [b, a] : g_dev) {
    std::string c = check_canaries(a);
    if (!c.empty()) damaged += " " + describe(a) + " " + c + ";";
    ++leak_count;
    leak_bytes += a.size;
    if (leak_count <= 5) leaked += " " + describe(a) + ";";
    std::free(a.raw);
  }
  g_dev.clear();
  g_used = 0;
  for (auto& [b, a] : g_pinned) std::free(a.raw);
  size_t pinned = g_pinned.size();
  g_pinned.clear();
  for (Stream* s : g_streams) if (s != &g_legacy) delete s;
  g_streams = {&g_legacy};
  for (Event* e : g_events) delete e;
  g_events.clear();
  for (Module* m : g_modules) delete m;
  g_modules.clear();
  if (!damaged.empty()) return error(ILLEGAL_ADDRESS, "at context teardown: canaries damaged:" + damaged);
  if (leak_count > 0)
    return error(ILLEGAL_STATE, "at context teardown: " + std::to_string(leak_count) + " device allocations (" +
                                    std::to_string(leak_bytes) + " bytes) never freed (cuMemGetInfo showed them in use):" +
                                    leaked);
  if (pinned > 0) return error(ILLEGAL_STATE, "at context teardown: " + std::to_string(pinned) + " pinned host buffers never freed");
  return r;
}

CUresult cuDevicePrimaryCtxRelease_v2(int dev) {
  LOCK; NEED_INIT;
  if (g_ctx_refs <= 0) return error(INVALID_CONTEXT, "cuDevicePrimaryCtxRelease without a retain");
  if (--g_ctx_refs == 0) return teardown();
  return OK;
}
CUresult cuDevicePrimaryCtxReset_v2(int dev) { LOCK; NEED_INIT; g_ctx_refs = 0; return teardown(); }
CUresult cuCtxSetCurrent(void* ctx) {
  LOCK; NEED_INIT;
  return ctx == nullptr || ctx == &g_primary_ctx_token ? OK : INVALID_CONTEXT;
}
CUresult cuCtxGetCurrent(void** ctx) { LOCK; *ctx = g_ctx_refs > 0 ? &g_primary_ctx_token : nullptr; return OK; }
CUresult cuCtxGetDevice(int* d) { *d = 0; return OK; }
CUresult cuCtxSynchronize() { LOCK; NEED_INIT; return drain_all(); }

CUresult cuMemGetInfo_v2(size_t* free_b, size_t* total) {
  LOCK; NEED_INIT;
  *free_b = g_cfg.capacity - g_used;
  *total = g_cfg.capacity;
  return OK;
}

CUresult cuMemAlloc_v2(CUdeviceptr* p, size_t bytes) {
  LOCK; NEED_INIT;
  if (bytes == 0) return INVALID_VALUE;
  if (bytes > g_cfg.capacity - g_used) return OUT_OF_MEMORY;
  Alloc a;
  if (!alloc_raw(bytes, a)) return OUT_OF_MEMORY;
  g_dev[a.base] = a;
  g_used += bytes;
  *p = a.base;
  return OK;
}

CUresult cuMemFree_v2(CUdeviceptr p) {
  LOCK; NEED_INIT;
  CUresult r = drain_all();  // cuMemFree waits for the device, as the real one does
  auto it = g_dev.find(p);
  if (it == g_dev.end()) {
    const Alloc* in = find_in(g_dev, p);
    return error(INVALID_VALUE, "cuMemFree of " + hex(p) + ": " +
                                    (in ? "not the start of " + describe(*in) : std::string("no live allocation there (freed twice?)")));
  }
  std::string c = check_canaries(it->second);
  std::string what = describe(it->second);
  g_used -= it->second.size;
  std::free(it->second.raw);
  g_dev.erase(it);
  if (!c.empty()) return error(ILLEGAL_ADDRESS, "cuMemFree: " + what + " " + c);
  return r;
}

CUresult cuMemAllocHost_v2(void** p, size_t bytes) {
  LOCK; NEED_INIT;
  Alloc a;
  if (!alloc_raw(bytes, a)) return OUT_OF_MEMORY;
  g_pinned[a.base] = a;
  *p = reinterpret_cast<void*>(a.base);
  return OK;
}

CUresult cuMemFreeHost(void* p) {
  LOCK; NEED_INIT;
  CUresult r = drain_all();
  auto it = g_pinned.find(reinterpret_cast<unsigned long long>(p));
  if (it == g_pinned.end()) return error(INVALID_VALUE, "cuMemFreeHost of " + hex((unsigned long long)p) + ": not pinned memory");
  std::string c = check_canaries(it->second);
  std::string what = describe(it->second);
  std::free(it->second.raw);
  g_pinned.erase(it);
  if (!c.empty()) return error(ILLEGAL_ADDRESS, "cuMemFreeHost: pinned " + what + " " + c);
  return r;
}

// ---- copies and memsets ---------------------------------------------------------------------
namespace {

CUresult memset_op(const char* api, CUdeviceptr p, unsigned value, size_t count, size_t unit, void* stream) {
  std::string why = check_range(p, count * unit);
  if (!why.empty()) return error(INVALID_VALUE, std::string(api) + ": " + why);
  Op op{OpKind::Device, api, [p, value, count, unit]() {
          if (unit == 1) std::memset(reinterpret_cast<void*>(p), int(value), count);
          else for (size_t i = 0; i < count; ++i) std::memcpy(reinterpret_cast<unsigned char*>(p) + 4 * i, &value, 4);
          return OK;
        }, nullptr};
  return submit(*stream_of(stream), std::move(op));
}

// Host to device: pageable sources are snapshotted at the call (the driver stages them before
// returning); pinned ones are read when the copy runs, as the DMA engine would.
CUresult htod(const char* api, CUdeviceptr dst, const void* src, size_t bytes, void* stream) {
  if (bytes == 0) return OK;
  std::string why = check_range(dst, bytes);
  if (!why.empty()) return error(INVALID_VALUE, std::string(api) + " destination: " + why);
  std::function<CUresult()> run;
  if (is_pinned(src, bytes)) {
    run = [dst, src, bytes]() { std::memcpy(reinterpret_cast<void*>(dst), src, bytes); return OK; };
  } else {
    auto snap = std::make_shared<std::vector<unsigned char>>(static_cast<const unsigned char*>(src),
                                                              static_cast<const unsigned char*>(src) + bytes);
    run = [dst, snap]() { std::memcpy(reinterpret_cast<void*>(dst), snap->data(), snap->size()); return OK; };
  }
  return submit(*stream_of(stream), Op{OpKind::Copy, api, std::move(run), nullptr});
}

// Device to host: the host waits for the copy (synchronous call, or pageable destination);
// into pinned memory an asynchronous copy is queued.
CUresult dtoh(const char* api, void* dst, CUdeviceptr src, size_t bytes, void* stream, bool async) {
  if (bytes == 0) return OK;
  std::string why = check_range(src, bytes);
  if (!why.empty()) return error(INVALID_VALUE, std::string(api) + " source: " + why);
  Stream& s = *stream_of(stream);
  auto run = [dst, src, bytes]() { std::memcpy(dst, reinterpret_cast<const void*>(src), bytes); return OK; };
  if (async && is_pinned(dst, bytes)) return submit(s, Op{OpKind::Copy, api, run, nullptr});
  CUresult r = drain(s);  // only this stream: non-blocking streams do not order with it
  run();
  return host_wait(r);
}

CUresult dtod(const char* api, CUdeviceptr dst, CUdeviceptr src, size_t bytes, void* stream) {
  if (bytes == 0) return OK;
  std::string why = check_range(src, bytes);
  if (why.empty()) why = check_range(dst, bytes);
  if (!why.empty()) return error(INVALID_VALUE, std::string(api) + ": " + why);
  return submit(*stream_of(stream), Op{OpKind::Copy, api, [dst, src, bytes]() {
                                         std::memmove(reinterpret_cast<void*>(dst), reinterpret_cast<const void*>(src), bytes);
                                         return OK;
                                       }, nullptr});
}

}  // namespace

CUresult cuMemsetD8_v2(CUdeviceptr p, unsigned char v, size_t n) { LOCK; NEED_INIT; return memset_op("cuMemsetD8", p, v, n, 1, nullptr); }
CUresult cuMemsetD8Async(CUdeviceptr p, unsigned char v, size_t n, void* s) { LOCK; NEED_INIT; return memset_op("cuMemsetD8Async", p, v, n, 1, s); }
CUresult cuMemsetD32_v2(CUdeviceptr p, unsigned v, size_t n) { LOCK; NEED_INIT; return memset_op("cuMemsetD32", p, v, n, 4, nullptr); }
CUresult cuMemsetD32Async(CUdeviceptr p, unsigned v, size_t n, void* s) { LOCK; NEED_INIT; return memset_op("cuMemsetD32Async", p, v, n, 4, s); }
CUresult cuMemcpyHtoD_v2(CUdeviceptr d, const void* h, size_t n) { LOCK; NEED_INIT; return htod("cuMemcpyHtoD", d, h, n, nullptr); }
CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr d, const void* h, size_t n, void* s) { LOCK; NEED_INIT; return htod("cuMemcpyHtoDAsync", d, h, n, s); }
CUresult cuMemcpyDtoH_v2(void* h, CUdeviceptr d, size_t n) { LOCK; NEED_INIT; return dtoh("cuMemcpyDtoH", h, d, n, nullptr, false); }
CUresult cuMemcpyDtoHAsync_v2(void* h, CUdeviceptr d, size_t n, void* s) { LOCK; NEED_INIT; return dtoh("cuMemcpyDtoHAsync", h, d, n, s, true); }
CUresult cuMemcpyDtoD_v2(CUdeviceptr d, CUdeviceptr s, size_t n) { LOCK; NEED_INIT; return dtod("cuMemcpyDtoD", d, s, n, nullptr); }
CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr d, CUdeviceptr s, size_t n, void* st) { LOCK; NEED_INIT; return dtod("cuMemcpyDtoDAsync", d, s, n, st); }

// ---- streams and events ------------------------------------------------------------------------
CUresult cuStreamCreate(void** s, unsigned flags) {
  LOCK; NEED_INIT;
  Stream* st = new Stream{{}, "stream " + std::to_string(g_streams.size()), true};
  g_streams.insert(st);
  *s = st;
  return OK;
}
CUresult cuStreamDestroy_v2(void* h) {
  LOCK; NEED_INIT;
  Stream* s = static_cast<Stream*>(h);
  if (!h || !g_streams.count(s)) return INVALID_HANDLE;
  CUresult r = drain(*s);  // queued work still completes
  // a later wait on an event recorded here must not run this stream again: every token is done
  g_streams.erase(s);
  delete s;
  return take_deferred(r);
}
CUresult cuStreamSynchronize(void* h) {
  LOCK; NEED_INIT;
  Stream* s = stream_of(h);
  if (!g_streams.count(s)) return INVALID_HANDLE;
  return host_wait(drain(*s));
}
CUresult cuStreamQuery(void* h) { LOCK; NEED_INIT; return stream_of(h)->q.empty() ? OK : NOT_READY; }
CUresult cuStreamWaitEvent(void* h, void* e, unsigned flags) {
  LOCK; NEED_INIT;
  Event* ev = static_cast<Event*>(e);
  if (!g_events.count(ev)) return INVALID_HANDLE;
  return submit(*stream_of(h), Op{OpKind::Wait, "cuStreamWaitEvent", nullptr, ev->last});
}
CUresult cuEventCreate(void** e, unsigned flags) {
  LOCK; NEED_INIT;
  Event* ev = new Event();
  g_events.insert(ev);
  *e = ev;
  return OK;
}
CUresult cuEventDestroy_v2(void* e) {
  LOCK; NEED_INIT;
  Event* ev = static_cast<Event*>(e);
  if (!g_events.erase(ev)) return INVALID_HANDLE;
  delete ev;
  return OK;
}
CUresult cuEventRecord(void* e, void* h) {
  LOCK; NEED_INIT;
  Event* ev = static_cast<Event*>(e);
  if (!g_events.count(ev)) return INVALID_HANDLE;
  Stream* s = stream_of(h);
  ev->last = std::make_shared<Token>(Token{s, false});
  return submit(*s, Op{OpKind::Record, "cuEventRecord", nullptr, ev->last});
}
CUresult cuEventSynchronize(void* e) {
  LOCK; NEED_INIT;
  Event* ev = static_cast<Event*>(e);
  if (!g_events.count(ev)) return INVALID_HANDLE;
  return host_wait(complete(ev->last));
}
CUresult cuEventQuery(void* e) {
  LOCK; NEED_INIT;
  Event* ev = static_cast<Event*>(e);
  return !ev->last || ev->last->done ? OK : NOT_READY;
}

// ---- modules and launches ------------------------------------------------------------------------
CUresult cuModuleLoadData(void** m, const void* image) {
  LOCK; NEED_INIT;
  if (!image) return INVALID_VALUE;
  Module* mod = new Module{static_cast<const char*>(image)};
  if (mod->ptx.find(".entry") == std::string::npos) {
    delete mod;
    return error(INVALID_IMAGE, "cuModuleLoadData: the image is not PTX text with .entry lines (the emulator runs "
                                "cuda/*.cu compiled for the host and checks them against the PTX)");
  }
  g_modules.insert(mod);
  *m = mod;
  return OK;
}
CUresult cuModuleUnload(void* m) {
  LOCK; NEED_INIT;
  Module* mod = static_cast<Module*>(m);
  if (!g_modules.erase(mod)) return INVALID_HANDLE;
  delete mod;
  return drain_all();
}

// Finds the kernel by its PTX entry name and compares the PTX .param list with the C++
// signature compiled into this library: stale PTX (or a stale emulator) is an error here.
CUresult cuModuleGetFunction(void** f, void* m, const char* name) {
  LOCK; NEED_INIT;
  Module* mod = static_cast<Module*>(m);
  if (!g_modules.count(mod)) return INVALID_HANDLE;
  std::vector<std::string> ptx;
  if (!ptx_params(mod->ptx, name, ptx)) return error(NOT_FOUND, std::string("cuModuleGetFunction: no .entry ") + name + " in the module's PTX");
  const nc_emu_driver::KernelEntry* entry = nullptr;
  for (auto& k : nc_emu_driver::kernel_table())
    if (std::strcmp(k.name, name) == 0) entry = &k;
  if (!entry)
    return error(NOT_FOUND, std::string("cuModuleGetFunction: ") + name + " is in the PTX but not in cuda/*.cu as "
                            "compiled into the emulator (rebuild native-tests/emudriver, or the PTX is stale)");
  std::string cu, px;
  for (int i = 0; i < entry->nparams; ++i) cu += std::string(i ? ", " : "") + "." + entry->params[i].ptx;
  for (size_t i = 0; i < ptx.size(); ++i) px += std::string(i ? ", " : "") + "." + ptx[i];
  if (cu != px)
    return error(INVALID_IMAGE, std::string("cuModuleGetFunction: stale PTX: ") + name + " takes (" + px +
                                    ") in the PTX but (" + cu + ") in cuda/*.cu: run cuda/build-ptx.sh");
  auto& fn = g_functions[name];
  if (!fn) fn = new Function{entry};
  *f = fn;
  return OK;
}

CUresult cuLaunchKernel(void* f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                        unsigned shared, void* h, void** params, void** extra) {
  LOCK; NEED_INIT;
  if (!f) return INVALID_HANDLE;
  const nc_emu_driver::KernelEntry* k = static_cast<Function*>(f)->entry;
  if (extra) return error(NOT_SUPPORTED, std::string("cuLaunchKernel ") + k->name + ": the extra argument is not emulated");
  if (k->nparams > 0 && !params) return error(INVALID_VALUE, std::string("cuLaunchKernel ") + k->name + ": kernelParams is null");
  // Copy the arguments now: the caller's kernelParams need not outlive this call.
  std::vector<std::vector<unsigned char>> vals(k->nparams);
  std::vector<unsigned long long> ptrs(k->nparams, 0);
  for (int i = 0; i < k->nparams; ++i) {
    const unsigned char* src = static_cast<const unsigned char*>(params[i]);
    vals[i].assign(src, src + k->params[i].size);
    if (k->params[i].pointer) {
      std::memcpy(&ptrs[i], src, 8);
      if (ptrs[i] != 0) {
        std::string why = check_range(ptrs[i], 1);
        if (!why.empty())
          return error(ILLEGAL_ADDRESS, std::string("cuLaunchKernel ") + k->name + " parameter " + std::to_string(i) +
                                            " (pointer): " + why);
      }
    }
  }
  std::string name = k->name;
  auto run = [k, name, vals, ptrs, gx, gy, gz, bx, by, bz, shared]() -> CUresult {
    std::vector<void*> p(vals.size());
    for (size_t i = 0; i < vals.size(); ++i) p[i] = const_cast<unsigned char*>(vals[i].data());
    for (size_t i = 0; i < ptrs.size(); ++i)  // freed since the launch was queued?
      if (ptrs[i] && !check_range(ptrs[i], 1).empty())
        return error(ILLEGAL_ADDRESS, "kernel " + name + " parameter " + std::to_string(i) + ": " + check_range(ptrs[i], 1) +
                                          " when the kernel ran");
    nc_emu::g_fail_message.clear();
    bool ok = k->launch(k->name, dim3(gx, gy, gz), dim3(bx, by, bz), shared, p.data());
    if (!ok) return error(nc_emu::g_fail_memory ? ILLEGAL_ADDRESS : LAUNCH_FAILED, nc_emu::g_fail_message);
    // Writes outside an allocation land in a canary: name the allocation and the parameter.
    for (auto& [b, a] : g_dev) {
      std::string c = check_canaries(a);
      if (c.empty()) continue;
      std::string which;
      for (size_t i = 0; i < ptrs.size(); ++i)
        if (ptrs[i] >= a.base && ptrs[i] < a.base + a.size)
          which += (which.empty() ? " (parameter " : ", ") + std::to_string(i) + " at offset " + std::to_string(ptrs[i] - a.base);
      if (!which.empty()) which += ")";
      return error(ILLEGAL_ADDRESS, "kernel " + name + " grid (" + std::to_string(gx) + "," + std::to_string(gy) + "," +
                                        std::to_string(gz) + "): " + describe(a) + which + " " + c);
    }
    return OK;
  };
  return submit(*stream_of(h), Op{OpKind::Device, name, run, nullptr});
}

CUresult cuGetErrorString(CUresult e, const char** s) {
  *s = e == OK ? "no error" : g_last_error.empty() ? "emulated CUDA error" : g_last_error.c_str();
  return OK;
}
CUresult cuGetErrorName(CUresult e, const char** s) { *s = "CUDA_ERROR (emulated)"; return OK; }

// Every other driver entry point JCuda links against (stubs.inc, generated from
// jcuda-driver-symbols.txt) says it is not emulated.
int ncemu_not_supported(const char* name) {
  report(std::string(name) + " is not emulated (CUDA_ERROR_NOT_SUPPORTED)");
  return NOT_SUPPORTED;
}

}  // extern "C"
