/*
 * memfile.h - fuzz input as a file, for the parsers that read files (the
 * config file, the users file, the journal): an anonymous memfd holding
 * the bytes, named by its /proc/self/fd path.  Nothing touches the disk
 * and nothing is left behind.
 */
#ifndef LOOPTRADER_FUZZ_MEMFILE_H
#define LOOPTRADER_FUZZ_MEMFILE_H

#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"

struct memfile {
    int fd;
    char path[32];
};

/* Fills mf with a file holding data[0..size); the harness cannot run without one. */
static void memfile_open(struct memfile *mf, const char *name, const void *data, size_t size)
{
    mf->fd = memfd_create(name, MFD_CLOEXEC);
    FUZZ_CHECK(mf->fd >= 0);
    FUZZ_CHECK(size == 0 || write(mf->fd, data, size) == (ssize_t)size);
    snprintf(mf->path, sizeof mf->path, "/proc/self/fd/%d", mf->fd);
}

static void memfile_close(struct memfile *mf)
{
    close(mf->fd);
}

#endif
