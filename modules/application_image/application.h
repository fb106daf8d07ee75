#ifndef APPLICATION_H
#define APPLICATION_H

/* The application's work: its result is the reset handler's return value. */
int application_main(void);

#endif
