/*
 * version.h - the release both binaries report (--version), in one place.
 */
#ifndef LOOPTRADER_VERSION_H
#define LOOPTRADER_VERSION_H

#define LT_VERSION "0.1.0"

#endif
