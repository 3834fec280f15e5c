/*
 * fuzz_ctl_parse.c - a control-socket command line through ctl_parse.  The
 * socket is owner-only, but its line comes from whatever the operator (or
 * a script) typed: every command must come out as ctlsock.h describes it
 * (well-formed account names inside the line, counts within bounds, a
 * positive target) or as one error line for the client, and
 * ctl_cmd_free must free everything (the leak check sees the rest).
 *
 * Input: the line, as the server hands it over (NUL-terminated, without
 * its '\n'; an input holding one still parses, as a separator).
 */
#include <string.h>

#include "fuzz.h"
#include "looptrader/config.h"
#include "looptrader/ctlsock.h"

FUZZ_TARGET(ctl_parse)
{
    /* An exact-size copy: reading past the line is caught by ASan. */
    char *line = malloc(size + 1);
    FUZZ_CHECK(line != NULL);
    memcpy(line, data, size);
    line[size] = '\0';
    size_t len = strlen(line);
    struct ctl_cmd cmd;
    struct lt_err err = { 0 };
    int rc = ctl_parse(line, &cmd, &err);
    FUZZ_CHECK(rc == 0 || rc == LT_EINVAL || rc == LT_ENOMEM);
    if (rc != 0) {
        /* the client reads "error <why>\n": one line */
        FUZZ_CHECK(err.msg[0] != '\0' && strchr(err.msg, '\n') == NULL);
        FUZZ_CHECK(cmd.names == NULL && cmd.n_names == 0);
        free(line);
        return 0;
    }
    switch (cmd.op) {
    case CTL_STATUS:
        FUZZ_CHECK(cmd.json == 0 || cmd.json == 1);
        FUZZ_CHECK(cmd.n_names == 0);
        break;
    case CTL_STOP_ALL:
        FUZZ_CHECK(cmd.n_names == 0);
        break;
    case CTL_STOP:
        FUZZ_CHECK(cmd.n_names >= 1 && cmd.n_names <= CTL_NAMES_MAX);
        break;
    case CTL_RESUME:
        FUZZ_CHECK(cmd.n_names == 1);
        break;
    case CTL_SET:
        FUZZ_CHECK(cmd.n_names == 1 && cmd.target > 0);
        break;
    default:
        FUZZ_CHECK(!"an op ctlsock.h does not list");
    }
    FUZZ_CHECK(cmd.n_names == 0 || cmd.names != NULL);
    for (size_t i = 0; i < cmd.n_names; i++) {
        /* names point into the line, each ended inside it */
        FUZZ_CHECK(cmd.names[i] >= line && cmd.names[i] < line + len);
        FUZZ_CHECK(memchr(cmd.names[i], '\0', (size_t)(line + size + 1 - cmd.names[i])));
        FUZZ_CHECK(config_valid_name(cmd.names[i]));
    }
    ctl_cmd_free(&cmd);
    FUZZ_CHECK(cmd.names == NULL && cmd.n_names == 0);
    free(line);
    return 0;
}
