/*
 * fuzz_journal.c - reading back the order journal after a crash
 * (journal_load_pending).  The file is ours, but a crash mid-write leaves
 * torn lines, and a disk or an operator can leave anything; recovery must
 * skip what it cannot read and return well-formed pending orders and a
 * residual that is never negative.
 */
#include <string.h>

#include "fuzz.h"
#include "looptrader/journal.h"
#include "memfile.h"

FUZZ_TARGET(journal)
{
    struct memfile mf;
    struct journal_pending *p = NULL;
    size_t n = 99;
    money_t residual = -1;
    struct lt_err err = { 0 };
    memfile_open(&mf, "journal", data, size);
    int rc = journal_load_pending(mf.path, &p, &n, &residual, &err);
    memfile_close(&mf);
    FUZZ_CHECK(rc == 0 || rc == LT_ENOMEM);
    if (rc)
        return 0;
    FUZZ_CHECK(n == 0 || p != NULL);
    FUZZ_CHECK(residual >= 0);
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(FUZZ_TERMINATED(p[i].run));
        FUZZ_CHECK(FUZZ_TERMINATED(p[i].client_id));
        FUZZ_CHECK(p[i].side == SIDE_BUY || p[i].side == SIDE_SELL);
    }
    free(p);
    return 0;
}
