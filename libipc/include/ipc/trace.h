/*
 * Reading fault traces (abi/trace.h): the names of the steps in the
 * textbook's terms and a printer for one fault's timeline, shared by the
 * shell's `trace fault` and the trace test. Each printed stamp is also a
 * machine-readable line for tools/trace:
 *   TRACE fault=N task=T addr=0xA step=NAME cycles=C
 */
#ifndef IPC_TRACE_H
#define IPC_TRACE_H

#include <abi/trace.h>
#include <stddef.h>

/* Short name ("trap", "request", ...) and the textbook's words for @step. */
const char *trace_step_name(unsigned step);
const char *trace_step_text(unsigned step);

/*
 * Print the stamps of fault @fault among @events[0..@n) as a timeline: one
 * line per step with the cycles since the trap. Returns the number printed.
 */
size_t trace_print_fault(const struct trace_event *events, size_t n, uint64_t fault);

#endif
