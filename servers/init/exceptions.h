/*
 * init's exception handler for the programs it starts (exceptions.c).
 */
#ifndef INIT_EXCEPTIONS_H
#define INIT_EXCEPTIONS_H

/* Make the exception port and start the thread serving it. 0 or -1. */
int exceptions_start(void);
/* Send the exceptions of child @task to init. */
void exceptions_watch(long task);

#endif
