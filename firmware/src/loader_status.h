#ifndef LOADER_STATUS_H
#define LOADER_STATUS_H

/* The error name reports use for a negative loader_status ("ok" for LOADER_OK). */
const char *loader_status_name(int status);

#endif
