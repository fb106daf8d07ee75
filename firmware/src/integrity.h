/* The firmware's checks on its own state, after every job: the export table (magic, order,
 * checksum) and canary words at the edges job code is most likely to overrun. */
#ifndef INTEGRITY_H
#define INTEGRITY_H

void integrity_init(void);

/* NULL when all is intact, else the name of what is damaged. */
const char *integrity_check(void);

#endif
