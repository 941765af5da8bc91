/*
 * A minimal HotSpot disassembler plugin (hsdis) on the Capstone library, so that
 * -XX:+PrintAssembly shows what C2 made of a kernel (bench/RESULTS.md, eighth session, read the
 * score tiles this way). It implements the one entry point the JVM looks up,
 * decode_instructions_virtual (the protocol of OpenJDK's src/utils/hsdis/hsdis.h): decode
 * [buffer, buffer + length) as x86-64 at start_va, one instruction per line, Intel syntax when
 * the options say "intel". Build and use: bench/hsdis/build.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <capstone/capstone.h>

typedef void* (*event_callback_t)(void*, const char*, void*);
typedef int (*printf_callback_t)(void*, const char*, ...);

static void* no_event(void* stream, const char* event, void* arg) {
  (void) stream; (void) event; (void) arg;
  return NULL;
}

void* decode_instructions_virtual(uintptr_t start_va, uintptr_t end_va, unsigned char* buffer, uintptr_t length,
                                  event_callback_t event, void* event_stream,
                                  printf_callback_t print, void* print_stream,
                                  const char* options, int newline) {
  (void) end_va;
  csh cs;
  if (print == NULL) {
    print = (printf_callback_t) fprintf;
    if (print_stream == NULL) print_stream = stdout;
  }
  if (event == NULL) event = no_event;
  if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK) {
    print(print_stream, "hsdis: capstone could not open x86-64\n");
    return NULL;
  }
  if (options != NULL && strstr(options, "intel") != NULL) cs_option(cs, CS_OPT_SYNTAX, CS_OPT_SYNTAX_INTEL);
  else cs_option(cs, CS_OPT_SYNTAX, CS_OPT_SYNTAX_ATT);
  cs_option(cs, CS_OPT_SKIPDATA, CS_OPT_ON);
  cs_insn* insn;
  size_t n = cs_disasm(cs, buffer, length, (uint64_t) start_va, 0, &insn);
  for (size_t i = 0; i < n; i++) {
    event(event_stream, "insn", (void*) (uintptr_t) insn[i].address);
    print(print_stream, "%s\t%s", insn[i].mnemonic, insn[i].op_str);
    event(event_stream, "/insn", (void*) (uintptr_t) (insn[i].address + insn[i].size));
    if (newline) print(print_stream, "\n");
  }
  if (n > 0) cs_free(insn, n);
  cs_close(&cs);
  return NULL;
}
