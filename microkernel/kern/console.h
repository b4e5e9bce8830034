/*
 * Console input for a user-space console server: typed bytes wait in a
 * ring, and the attached server gets a console.input message (console.idl)
 * when some arrive, then takes them with sys_console_read.
 */
#ifndef KERN_CONSOLE_H
#define KERN_CONSOLE_H

#include <stdint.h>

struct task;

/* Interrupt context: @n bytes were typed. Kept until read, or counted as dropped. */
void console_input(const uint8_t *bytes, unsigned n);
/* @task is ending: if it was the console server, the console is free again. */
void console_release_task(struct task *task);
/* Kernel arguments say: route and enable the console's receive interrupt. */
void console_init(uint64_t acpi_rsdp);

#endif
