/*
 * counting.c - a points venue's multiplier and counted volume (see
 * counting.h).
 */
#include "looptrader/counting.h"

#include "looptrader/log.h"
#include "looptrader/target.h"

/* A venue with a points programme (venue.h's optional ops, Alpha): the
 * multiplier is the venue's, so target_points means counted volume; and
 * the start-up total is the larger of our own fills and the venue's counted
 * figure in real quote (that figure lags our fills; a buy made elsewhere,
 * on the web page, is in both).  Writes only users[idx], whose start-up is
 * this caller's alone; h is the caller's HTTP handle. */
int counting_check(struct run *r, unsigned idx, const struct symbol_rules *rules,
                   struct http *h, money_t *before, struct lt_err *err)
{
    struct user_config *uc = &r->cfg.users[idx];
    const struct venue_ops *ops = venue_ops(r->venue);
    int mul = uc->strategy.volume_multiplier, rc;
    if (ops->volume_multiplier) {
        STARTUP_RETRY(r, rc, err, ops->volume_multiplier(r->venue, h, rules->symbol, &mul, err));
        if (rc != 0)
            return rc;
        if (mul != uc->strategy.volume_multiplier) {
            log_info("%s: the venue counts each buy of %s %d times (the configuration said %d): "
                     "using %d", uc->name, rules->symbol, mul, uc->strategy.volume_multiplier, mul);
            uc->strategy.volume_multiplier = mul;
            if (uc->strategy.target_points > 0)
                uc->strategy.target = target_from_points(uc->strategy.target_points, mul);
        }
    }
    if (!ops->counted_volume)
        return 0;
    money_t counted = 0;
    STARTUP_RETRY(r, rc, err, ops->counted_volume(r->venue, h, &uc->auth, rules->symbol,
                                                   &counted, err));
    if (rc != 0)
        return rc;
    money_t real = counted / (mul > 0 ? mul : 1);
    char b1[MONEY_STR_MAX], b2[MONEY_STR_MAX];
    log_info("%s: the venue counts %s of %s today (%s real at x%d); our fills in the window: %s",
             uc->name, money_format_min(counted, b1), rules->symbol,
             money_format_min(real, (char[MONEY_STR_MAX]){ 0 }), mul,
             money_format_min(*before, b2));
    if (real > *before)
        *before = real;
    return 0;
}

/* A points venue's counted volume lags our fills: once the run is over and
 * exchange.counted_recheck_ms has passed, each account that bought is read
 * again and the venue's figure set against the run's window total x the
 * multiplier.  It changes nothing; a shortfall is the operator's to see
 * (the next run tops it up, as it starts from the larger of the two). */
void counting_recheck(struct run *r)
{
    const struct venue_ops *ops = venue_ops(r->venue);
    if (!ops->counted_volume || r->cfg.counted_recheck_ms <= 0 || run_stopping(r))
        return;
    int any = 0;
    for (size_t i = 0; i < r->n_users; i++)
        any |= r->users[i].report.s.bought_quote > 0;
    if (!any)
        return;
    log_info("waiting %ld ms to re-read the venue's counted volume", r->cfg.counted_recheck_ms);
    run_nap_ms(r, r->cfg.counted_recheck_ms);
    for (size_t i = 0; i < r->n_users && !run_stopping(r); i++) {
        const struct strategy_user *u = &r->users[i];
        const struct user_config *uc = &r->cfg.users[i];
        if (u->report.s.bought_quote <= 0)
            continue;
        money_t counted = 0;
        struct lt_err err = { 0 };
        int rc;
        STARTUP_RETRY(r, rc, &err, ops->counted_volume(r->venue, r->http, &uc->auth,
                                                       uc->strategy.symbol, &counted, &err));
        int mul = uc->strategy.volume_multiplier > 0 ? uc->strategy.volume_multiplier : 1;
        money_t want = 0;
        for (int k = 0; k < mul; k++)
            want = money_add_sat(want, u->window_total);
        char b1[MONEY_STR_MAX], b2[MONEY_STR_MAX];
        if (rc != 0)
            log_warn("%s: cannot re-read the counted volume: %s", uc->name, err.msg);
        else if (counted < want)
            log_warn("%s: the venue counts %s of %s, short of the %s our fills make (x%d): it "
                     "may still lag; a later run tops it up", uc->name,
                     money_format_min(counted, b1), uc->strategy.symbol,
                     money_format_min(want, b2), mul);
        else
            log_info("%s: the venue counts %s of %s, as our fills make it (%s at x%d)", uc->name,
                     money_format_min(counted, b1), uc->strategy.symbol,
                     money_format_min(want, b2), mul);
    }
}
