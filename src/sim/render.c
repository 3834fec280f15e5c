/*
 * render.c - Binance-shaped JSON for the simulator (see render.h).
 *
 * Field order follows Binance's documentation so that a diff against a
 * real answer reads line by line.  Fields that are constant on this venue
 * (no iceberg, no stop price, no self-trade prevention, no order lists) are
 * written as Binance writes them for plain orders.
 */
#include "looptrader/sim/render.h"

#include <stdio.h>
#include <string.h>

/* Every order's answer and pushes are written by the functions below, so
 * they format numbers and keys themselves: vfprintf's parse of the format
 * and its stream machinery were the simulator's largest user-space cost per
 * order (perf at 1,000 accounts).  The text is the one printf wrote. */

/* Writes the decimal digits of a into the end of buf (which ends at end)
 * and returns where they start. */
static char *digits_rev(unsigned long long a, char *end)
{
    do {
        *--end = (char)('0' + a % 10);
        a /= 10;
    } while (a);
    return end;
}

void render_int(struct strbuf *sb, long long v)
{
    char b[24], *end = b + sizeof(b);
    unsigned long long a = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    char *p = digits_rev(a, end);
    if (v < 0)
        *--p = '-';
    strbuf_add(sb, p, (size_t)(end - p));
}

void render_key(struct strbuf *sb, const char *key)
{
    strbuf_add(sb, ",\"", 2);
    strbuf_addstr(sb, key);
    strbuf_add(sb, "\":", 2);
}

void render_str(struct strbuf *sb, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : ""), *run = p;
    strbuf_addch(sb, '"');
    for (; *p; p++) {
        if (*p != '"' && *p != '\\' && *p >= 0x20)
            continue;
        strbuf_add(sb, run, (size_t)(p - run));
        run = p + 1;
        if (*p < 0x20) {
            static const char hex[] = "0123456789abcdef";
            char u[6] = { '\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15] };
            strbuf_add(sb, u, sizeof(u));
        } else {
            char e[2] = { '\\', (char)*p };
            strbuf_add(sb, e, sizeof(e));
        }
    }
    strbuf_add(sb, run, (size_t)(p - run));
    strbuf_addch(sb, '"');
}

/* The text of money_format(v, MONEY_DECIMALS), quoted. */
void render_money(struct strbuf *sb, money_t v)
{
    char b[MONEY_STR_MAX + 2], *end = b + sizeof(b);
    unsigned long long a = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    unsigned long long ip = a / (unsigned long long)MONEY_SCALE;
    unsigned long long fp = a % (unsigned long long)MONEY_SCALE;
    char *p = end;
    *--p = '"';
    for (int i = 0; i < MONEY_DECIMALS; i++, fp /= 10)
        *--p = (char)('0' + fp % 10);
    *--p = '.';
    p = digits_rev(ip, p);
    if (v < 0)
        *--p = '-';
    *--p = '"';
    strbuf_add(sb, p, (size_t)(end - p));
}

void render_level(struct strbuf *sb, money_t price, money_t qty)
{
    strbuf_addch(sb, '[');
    render_money(sb, price);
    strbuf_addch(sb, ',');
    render_money(sb, qty);
    strbuf_addch(sb, ']');
}

void render_levels(struct strbuf *sb, const struct sim_level *l, size_t n)
{
    strbuf_addch(sb, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            strbuf_addch(sb, ',');
        render_level(sb, l[i].price, l[i].qty);
    }
    strbuf_addch(sb, ']');
}

void render_money_field(struct strbuf *sb, const char *key, money_t v)
{
    render_key(sb, key);
    render_money(sb, v);
}

void render_str_field(struct strbuf *sb, const char *key, const char *v)
{
    render_key(sb, key);
    render_str(sb, v);
}

void render_int_field(struct strbuf *sb, const char *key, long long v)
{
    render_key(sb, key);
    render_int(sb, v);
}

static void render_bool_field(struct strbuf *sb, const char *key, int v)
{
    render_key(sb, key);
    if (v)
        strbuf_add(sb, "true", 4);
    else
        strbuf_add(sb, "false", 5);
}

void render_error(struct strbuf *sb, int code, const char *msg)
{
    strbuf_addf(sb, "{\"code\":%d,\"msg\":", code);
    render_str(sb, msg);
    strbuf_addch(sb, '}');
}

static const char *sym_name(const struct sim_order *o)
{
    return o->rules ? o->rules->symbol : "";
}

/* An order's amounts, status and kind, as every order answer lists them.
 * The place and cancel answers put origQuoteOrderQty among the amounts; the
 * order query has it near the end, so it writes it itself. */
static void order_state(struct strbuf *sb, const struct sim_order *o, int orig_quote)
{
    render_money_field(sb, "price", o->price);
    render_money_field(sb, "origQty", o->orig_qty);
    render_money_field(sb, "executedQty", o->executed_qty);
    if (orig_quote)
        render_money_field(sb, "origQuoteOrderQty", o->orig_quote_qty);
    render_money_field(sb, "cummulativeQuoteQty", o->cumm_quote_qty);
    render_str_field(sb, "status", sim_status_name(o->status));
    render_str_field(sb, "timeInForce", sim_tif_name(o->tif));
    render_str_field(sb, "type", sim_order_type_name(o->type));
    render_str_field(sb, "side", sim_side_name(o->side));
}

void render_order(struct strbuf *sb, const struct sim_order *o)
{
    strbuf_addstr(sb, "{\"symbol\":");
    render_str(sb, sym_name(o));
    render_int_field(sb, "orderId", o->order_id);
    strbuf_addstr(sb, ",\"orderListId\":-1");
    render_str_field(sb, "clientOrderId", o->client_order_id);
    order_state(sb, o, 0);
    render_money_field(sb, "stopPrice", 0);
    render_money_field(sb, "icebergQty", 0);
    render_int_field(sb, "time", o->time_ms);
    render_int_field(sb, "updateTime", o->update_ms);
    render_bool_field(sb, "isWorking", o->is_working);
    render_int_field(sb, "workingTime", o->working_ms ? o->working_ms : -1);
    render_money_field(sb, "origQuoteOrderQty", o->orig_quote_qty);
    strbuf_addstr(sb, ",\"selfTradePreventionMode\":\"NONE\"}");
}

void render_place(struct strbuf *sb, const struct sim_place_result *r, enum sim_resp_type type)
{
    const struct sim_order *o = &r->order;
    strbuf_addstr(sb, "{\"symbol\":");
    render_str(sb, sym_name(o));
    render_int_field(sb, "orderId", o->order_id);
    strbuf_addstr(sb, ",\"orderListId\":-1");
    render_str_field(sb, "clientOrderId", o->client_order_id);
    render_int_field(sb, "transactTime", o->time_ms);
    if (type == SIM_RESP_ACK) {
        strbuf_addch(sb, '}');
        return;
    }
    order_state(sb, o, 1);
    if (o->working_ms)
        render_int_field(sb, "workingTime", o->working_ms);
    strbuf_addstr(sb, ",\"selfTradePreventionMode\":\"NONE\"");
    if (type == SIM_RESP_FULL) {
        strbuf_addstr(sb, ",\"fills\":[");
        for (size_t i = 0; i < r->n_fills; i++) {
            const struct sim_fill *f = &r->fills[i];
            strbuf_addstr(sb, i ? ",{\"price\":" : "{\"price\":");
            render_money(sb, f->price);
            render_money_field(sb, "qty", f->qty);
            render_money_field(sb, "commission", f->commission);
            render_str_field(sb, "commissionAsset", f->commission_asset);
            render_int_field(sb, "tradeId", f->trade_id);
            strbuf_addch(sb, '}');
        }
        strbuf_addch(sb, ']');
    }
    strbuf_addch(sb, '}');
}

void render_cancel(struct strbuf *sb, const struct sim_order *o, const char *cancel_client_id,
                   int64_t transact_ms)
{
    strbuf_addstr(sb, "{\"symbol\":");
    render_str(sb, sym_name(o));
    render_str_field(sb, "origClientOrderId", o->client_order_id);
    render_int_field(sb, "orderId", o->order_id);
    strbuf_addstr(sb, ",\"orderListId\":-1");
    render_str_field(sb, "clientOrderId", cancel_client_id);
    render_int_field(sb, "transactTime", transact_ms);
    order_state(sb, o, 1);
    strbuf_addstr(sb, ",\"selfTradePreventionMode\":\"NONE\"}");
}

void render_exec_report(struct strbuf *sb, const struct sim_exec_report *r)
{
    const struct sim_order *o = r->order;
    strbuf_addstr(sb, "{\"e\":\"executionReport\"");
    render_int_field(sb, "E", r->event_ms);
    render_str_field(sb, "s", sym_name(o));
    render_str_field(sb, "c", r->client_id);
    render_str_field(sb, "S", sim_side_name(o->side));
    render_str_field(sb, "o", sim_order_type_name(o->type));
    render_str_field(sb, "f", sim_tif_name(o->tif));
    render_money_field(sb, "q", o->orig_qty);
    render_money_field(sb, "p", o->price);
    render_money_field(sb, "P", 0);
    render_money_field(sb, "F", 0);
    strbuf_addstr(sb, ",\"g\":-1");
    render_str_field(sb, "C", r->orig_client_id ? r->orig_client_id : "");
    render_str_field(sb, "x", sim_exec_type_name(r->exec_type));
    render_str_field(sb, "X", sim_status_name(o->status));
    render_str_field(sb, "r", r->reject_reason ? r->reject_reason : "NONE");
    render_int_field(sb, "i", o->order_id);
    render_money_field(sb, "l", r->last_qty);
    render_money_field(sb, "z", o->executed_qty);
    render_money_field(sb, "L", r->last_price);
    render_money_field(sb, "n", r->commission);
    if (r->commission_asset)
        render_str_field(sb, "N", r->commission_asset);
    else
        strbuf_addstr(sb, ",\"N\":null");
    render_int_field(sb, "T", r->transact_ms);
    render_int_field(sb, "t", r->trade_id);
    render_int_field(sb, "I", r->exec_id);
    render_bool_field(sb, "w", o->is_working);
    render_bool_field(sb, "m", r->is_maker);
    strbuf_addstr(sb, ",\"M\":false");
    render_int_field(sb, "O", o->time_ms);
    render_money_field(sb, "Z", o->cumm_quote_qty);
    render_money_field(sb, "Y", r->last_quote_qty);
    render_money_field(sb, "Q", o->orig_quote_qty);
    if (o->working_ms)
        render_int_field(sb, "W", o->working_ms);
    strbuf_addstr(sb, ",\"V\":\"NONE\"}");
}

void render_account_position(struct strbuf *sb, int64_t event_ms, const struct sim_balance *b,
                             size_t n)
{
    strbuf_addstr(sb, "{\"e\":\"outboundAccountPosition\"");
    render_int_field(sb, "E", event_ms);
    render_int_field(sb, "u", event_ms);
    strbuf_addstr(sb, ",\"B\":[");
    for (size_t i = 0; i < n; i++) {
        strbuf_addstr(sb, i ? ",{\"a\":" : "{\"a\":");
        render_str(sb, b[i].asset);
        render_money_field(sb, "f", b[i].free);
        render_money_field(sb, "l", b[i].locked);
        strbuf_addch(sb, '}');
    }
    strbuf_addstr(sb, "]}");
}

void render_symbol_info(struct strbuf *sb, const struct symbol_rules *r)
{
    money_t max_price = r->max_price ? r->max_price : 1000000 * MONEY_SCALE;
    money_t max_qty = r->max_qty ? r->max_qty : 9000000 * MONEY_SCALE;
    money_t max_notional = r->max_notional ? r->max_notional : 9000000 * MONEY_SCALE;

    strbuf_addstr(sb, "{\"symbol\":");
    render_str(sb, r->symbol);
    render_str_field(sb, "status", r->trading ? "TRADING" : "BREAK");
    render_str_field(sb, "baseAsset", r->base);
    strbuf_addf(sb, ",\"baseAssetPrecision\":%d", r->base_precision);
    render_str_field(sb, "quoteAsset", r->quote);
    strbuf_addf(sb,
                ",\"quotePrecision\":%d,\"quoteAssetPrecision\":%d,"
                "\"baseCommissionPrecision\":%d,\"quoteCommissionPrecision\":%d",
                r->quote_precision, r->quote_precision, r->base_precision, r->quote_precision);
    strbuf_addstr(sb, ",\"orderTypes\":[\"LIMIT\",\"LIMIT_MAKER\",\"MARKET\"],"
                      "\"icebergAllowed\":false,\"ocoAllowed\":false,\"otoAllowed\":false,\"opoAllowed\":false,"
                      "\"quoteOrderQtyMarketAllowed\":true,\"allowTrailingStop\":false,"
                      "\"cancelReplaceAllowed\":false,\"amendAllowed\":false,"
                      "\"pegInstructionsAllowed\":false,\"isSpotTradingAllowed\":true,"
                      "\"isMarginTradingAllowed\":false,\"filters\":[");
    strbuf_addstr(sb, "{\"filterType\":\"PRICE_FILTER\"");
    render_money_field(sb, "minPrice", r->min_price ? r->min_price : r->tick_size);
    render_money_field(sb, "maxPrice", max_price);
    render_money_field(sb, "tickSize", r->tick_size);
    strbuf_addstr(sb, "},{\"filterType\":\"LOT_SIZE\"");
    render_money_field(sb, "minQty", r->min_qty ? r->min_qty : r->step_size);
    render_money_field(sb, "maxQty", max_qty);
    render_money_field(sb, "stepSize", r->step_size);
    strbuf_addstr(sb, "},{\"filterType\":\"MARKET_LOT_SIZE\"");
    render_money_field(sb, "minQty", 0);
    render_money_field(sb, "maxQty", max_qty);
    render_money_field(sb, "stepSize", 0);
    strbuf_addstr(sb, "},{\"filterType\":\"MIN_NOTIONAL\"");
    render_money_field(sb, "minNotional", r->min_notional);
    strbuf_addstr(sb, ",\"applyToMarket\":true,\"avgPriceMins\":5},{\"filterType\":\"NOTIONAL\"");
    render_money_field(sb, "minNotional", r->min_notional);
    strbuf_addstr(sb, ",\"applyMinToMarket\":true");
    render_money_field(sb, "maxNotional", max_notional);
    strbuf_addstr(sb, ",\"applyMaxToMarket\":false,\"avgPriceMins\":5}],"
                      "\"permissions\":[],\"permissionSets\":[[\"SPOT\"]],"
                      "\"defaultSelfTradePreventionMode\":\"NONE\","
                      "\"allowedSelfTradePreventionModes\":[\"NONE\"]}");
}

void render_rate_limits(struct strbuf *sb, const struct simconf_limits *l)
{
    strbuf_addf(sb,
                "[{\"rateLimitType\":\"REQUEST_WEIGHT\",\"interval\":\"MINUTE\","
                "\"intervalNum\":1,\"limit\":%d},"
                "{\"rateLimitType\":\"ORDERS\",\"interval\":\"SECOND\",\"intervalNum\":10,"
                "\"limit\":%d},"
                "{\"rateLimitType\":\"ORDERS\",\"interval\":\"DAY\",\"intervalNum\":1,"
                "\"limit\":%d},"
                "{\"rateLimitType\":\"RAW_REQUESTS\",\"interval\":\"MINUTE\","
                "\"intervalNum\":5,\"limit\":61000}]",
                l->weight_per_minute > 0 ? l->weight_per_minute : 6000,
                l->orders_per_10s > 0 ? l->orders_per_10s : 100,
                l->orders_per_day > 0 ? l->orders_per_day : 200000);
}
